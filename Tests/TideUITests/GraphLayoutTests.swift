import Testing
import TideCore

@testable import TideUI

@Suite("The graph's layout")
struct GraphLayoutTests {
    @Test("each task sits one column right of its deepest upstream task; rows follow their upstream rows")
    func columnsFollowLongestPaths() {
        let layout = GraphLayout(tasks: [
            ("start", []), ("a", ["start"]), ("b", ["start"]), ("a2", ["a"]), ("join", ["a2", "b"]),
        ])
        #expect(layout.nodes["start"]?.column == 0)
        #expect(layout.nodes["a"]?.column == 1)
        #expect(layout.nodes["b"]?.column == 1)
        #expect(layout.nodes["a2"]?.column == 2)
        #expect(layout.nodes["join"]?.column == 3)
        #expect(layout.columns == 4)
        #expect(layout.rows == 2)
        #expect(layout.edges.count == 5)
    }

    @Test("tasks listed before their upstream tasks still land in the right column")
    func orderDoesNotMatter() {
        let layout = GraphLayout(tasks: [("c", ["b"]), ("b", ["a"]), ("a", [])])
        #expect(layout.nodes["a"]?.column == 0)
        #expect(layout.nodes["c"]?.column == 2)
    }

    @Test("the SVG names every task, escapes ids and links to the chosen run's task instances")
    func svgEscapesAndLinks() {
        let layout = GraphLayout(tasks: [("load<x>", []), ("report", ["load<x>"])])
        let svg = layout.svg(
            state: { $0 == "report" ? StateStyle(TaskState.failed) : nil }, href: { "/t/" + HTML.component($0) })
        #expect(svg.contains("load&lt;x&gt;"))
        #expect(!svg.contains("load<x>"))
        #expect(svg.contains("href=\"/t/load%3Cx%3E\""))
        #expect(svg.contains("class=\"node s-failed\" data-task=\"report\" data-state=\"failed\""))
        #expect(svg.contains("marker-end"))
    }
}
