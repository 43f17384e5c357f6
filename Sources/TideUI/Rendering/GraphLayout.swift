/// A layered drawing of a DAG: each task in the column of its longest path from a root, tasks in a
/// column ordered by the mean row of their upstream tasks (fewer crossing edges), edges as curves.
struct GraphLayout {
    struct Node {
        var id: String
        var column: Int
        var row: Int
    }

    static let nodeWidth = 190.0
    static let nodeHeight = 34.0
    static let columnGap = 70.0
    static let rowGap = 14.0

    var nodes: [String: Node] = [:]
    var edges: [(from: String, to: String)] = []
    var columns = 0
    var rows = 0

    init(tasks: [(id: String, upstream: [String])]) {
        var column: [String: Int] = [:]
        let upstream = Dictionary(tasks.map { ($0.id, $0.upstream) }, uniquingKeysWith: { first, _ in first })
        // Tasks come in an order where upstream tasks precede downstream ones (DAG files are checked
        // for cycles), but compute depth iteratively anyway to stay safe with any order.
        var changed = true
        var rounds = 0
        while changed && rounds <= tasks.count {
            changed = false
            rounds += 1
            for task in tasks {
                let depth = (upstream[task.id] ?? []).compactMap { column[$0].map { $0 + 1 } }.max() ?? 0
                if column[task.id] != depth {
                    column[task.id] = depth
                    changed = true
                }
            }
        }
        columns = (column.values.max() ?? -1) + 1
        var byColumn = [[String]](repeating: [], count: columns)
        for task in tasks { byColumn[column[task.id] ?? 0].append(task.id) }
        var rowOf: [String: Int] = [:]
        for index in byColumn.indices {
            if index > 0 {
                byColumn[index].sort { left, right in
                    let l = Self.meanRow(upstream[left] ?? [], rowOf)
                    let r = Self.meanRow(upstream[right] ?? [], rowOf)
                    return l == r ? left < right : l < r
                }
            }
            for (row, id) in byColumn[index].enumerated() { rowOf[id] = row }
        }
        rows = byColumn.map(\.count).max() ?? 0
        for task in tasks {
            nodes[task.id] = Node(id: task.id, column: column[task.id] ?? 0, row: rowOf[task.id] ?? 0)
            for parent in task.upstream where upstream[parent] != nil { edges.append((parent, task.id)) }
        }
    }

    private static func meanRow(_ ids: [String], _ rows: [String: Int]) -> Double {
        let known = ids.compactMap { rows[$0] }
        return known.isEmpty ? 0 : Double(known.reduce(0, +)) / Double(known.count)
    }

    var width: Double { Double(max(columns, 1)) * (Self.nodeWidth + Self.columnGap) - Self.columnGap + 20 }
    var height: Double { Double(max(rows, 1)) * (Self.nodeHeight + Self.rowGap) - Self.rowGap + 20 }

    func origin(_ node: Node) -> (x: Double, y: Double) {
        (
            10 + Double(node.column) * (Self.nodeWidth + Self.columnGap),
            10 + Double(node.row) * (Self.nodeHeight + Self.rowGap)
        )
    }

    /// The SVG, each task a link to its task instance in `href(task)` when given, coloured by `state(task)`.
    func svg(state: (String) -> StateStyle?, href: (String) -> String?) -> String {
        var out = """
            <svg class="graph" xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="Task graph">\
            <defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" \
            orient="auto"><path class="arrow" d="M0,0 L8,4 L0,8 z"/></marker></defs>
            """
        for edge in edges {
            guard let from = nodes[edge.from], let to = nodes[edge.to] else { continue }
            let start = origin(from)
            let end = origin(to)
            let x1 = start.x + Self.nodeWidth
            let y1 = start.y + Self.nodeHeight / 2
            let x2 = end.x
            let y2 = end.y + Self.nodeHeight / 2
            let mid = (x1 + x2) / 2
            out +=
                "<path class=\"edge\" d=\"M\(x1),\(y1) C\(mid),\(y1) \(mid),\(y2) \(x2 - 2),\(y2)\" marker-end=\"url(#arrow)\"/>"
        }
        for node in nodes.values.sorted(by: { $0.id < $1.id }) {
            let (x, y) = origin(node)
            let style = state(node.id)
            let label = node.id.count > 24 ? String(node.id.prefix(23)) + "…" : node.id
            var group = """
                <g class="node \(style?.cssClass ?? "s-unknown")" data-task="\(HTML.escape(node.id))" \
                data-state="\(style?.name ?? "")"><title>\(HTML.escape(node.id))\(style.map { " · " + $0.label } ?? "")</title>\
                <rect x="\(x)" y="\(y)" width="\(Self.nodeWidth)" height="\(Self.nodeHeight)" rx="6"/>\
                <text x="\(x + 10)" y="\(y + 22)" class="sym">\(style?.symbol ?? "")</text>\
                <text x="\(x + 28)" y="\(y + 22)">\(HTML.escape(label))</text></g>
                """
            if let link = href(node.id) { group = "<a href=\"\(link)\">" + group + "</a>" }
            out += group
        }
        return out + "</svg>"
    }
}
