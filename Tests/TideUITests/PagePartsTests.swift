import Foundation
import Testing
import TideCore
import TideScaling

@testable import TideUI

@Suite("Page parts")
struct PagePartsTests {
    @Test("every template parses and renders", arguments: Templates.sources.map(\.0))
    func templatesParse(name: String) {
        #expect(Templates.library.getTemplate(named: name) != nil)
        #expect(!Templates.render(name, [:]).contains("missing template"))
    }

    @Test("empty text is left out of models, so sections for it are not shown")
    func emptyTextIsDropped() {
        let html = Templates.render("error", ["heading": "Not found", "message": ""])
        #expect(html.contains("Not found"))
        let cleaned = Templates.withoutEmptyText(["a": "", "b": "x", "c": [["d": ""]]])
        #expect(cleaned["a"] == nil)
        #expect((cleaned["c"] as? [[String: Any]])?.first?["d"] == nil)
    }

    @Test("after sign-in, only paths on this site are followed")
    func safeNext() {
        #expect(SessionRoutes.safeNext("/dags?q=a") == "/dags?q=a")
        for hostile in ["//evil.example/x", "https://evil.example", "/\\evil", "/a\r\nSet-Cookie: x", nil, ""] {
            #expect(SessionRoutes.safeNext(hostile) == "/")
        }
    }

    @Test("form fields decode plus signs and percent escapes; the first of repeated fields wins")
    func formFields() {
        let form = FormFields(encoded: "username=a+b&password=p%26ss%3D&next=%2Fdags&username=second&empty=")
        #expect(form["username"] == "a b")
        #expect(form["password"] == "p&ss=")
        #expect(form["next"] == "/dags")
        #expect(form["empty"] == "")
        #expect(form["missing"] == nil)
    }

    @Test("HTML escaping covers markup and both quotes")
    func escaping() {
        #expect(HTML.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(HTML.query([("q", "a b&c"), ("empty", ""), ("none", nil)]) == "?q=a%20b%26c")
    }

    @Test("every task state has its own symbol and words, not only a colour")
    func statesHaveSymbols() {
        let styles = TaskState.allCases.map(StateStyle.init)
        #expect(Set(styles.map(\.symbol)).count == styles.count)
        #expect(styles.allSatisfy { !$0.label.isEmpty && $0.badge.contains($0.symbol) })
    }

    @Test("the pager keeps filters and counts from one")
    func pager() {
        let pager = Pager(path: "/dags", base: [("q", "fin")], page: 2, perPage: 50, total: 120).model
        #expect(pager["first"] as? Int == 51)
        #expect(pager["last"] as? Int == 100)
        #expect(pager["previous"] as? String == "/dags?q=fin")
        #expect(pager["next"] as? String == "/dags?q=fin&page=3")
    }

    @Test("durations read short")
    func durations() {
        #expect(Format.duration(0.25) == "250 ms")
        #expect(Format.duration(12.44) == "12.4 s")
        #expect(Format.duration(185) == "3 min 05 s")
        #expect(Format.duration(7_500) == "2 h 05 min")
        #expect(Format.duration(nil) == "–")
    }

    @Test("the scaling history keeps one sample per report, up to its capacity")
    func scalingHistory() throws {
        let history = ScalingHistory(capacity: 3)
        let text = """
            {"generatedAt": 10, "intervalSeconds": 5, "queues": {"default": {"queued": 4, "running": 2, "heldBack": 0,
            "heldBackBy": {}, "workers": 1, "workerConcurrency": 4, "neededWorkers": 2, "desiredWorkers": 2,
            "minWorkers": 1, "maxWorkers": 4}}, "nodePools": {}, "history": {}}
            """
        var report = try JSONDecoder().decode(ScalingReport.self, from: Data(text.utf8))
        history.record(report)
        history.record(report)
        #expect(history.queues["default"]?.count == 1)
        for time in [20.0, 30, 40] {
            report.generatedAt = time
            history.record(report)
        }
        #expect(history.queues["default"]?.map(\.time) == [20, 30, 40])
        #expect(history.queues["default"]?.last?.desired == 2)
        let chart = ScalingChart(
            title: "q", times: [20, 30, 40],
            lines: [.init(key: "waiting", label: "queued", values: [4, nil, 2])])
        #expect(chart.svg().contains("class=\"series waiting\""))
        #expect(ScalingChart(title: "q", times: [], lines: []).svg().contains("No samples yet"))
    }
}

@Suite("The pod card")
struct PodCardTests {
    @Test("reads how a pod ended, its reason and its events from the worker's notes in the log")
    func oomKilledPod() {
        let log = """
            starting
            [tide] pod default/train-x created
            [tide] pod default/train-x failed: exit code 137 (OOMKilled)
            [tide] events of pod default/train-x:
            [tide]   Normal Scheduled: Successfully assigned default/train-x to node-a
            [tide]   Warning BackOff: Back-off restarting failed container (x2)
            """
        let notes = PodCard.notes(in: log)
        #expect(notes.outcome == "pod default/train-x failed: exit code 137 (OOMKilled)")
        #expect(notes.reason == "OOMKilled")
        #expect(
            notes.events == [
                "Normal Scheduled: Successfully assigned default/train-x to node-a",
                "Warning BackOff: Back-off restarting failed container (x2)",
            ])
    }

    @Test("task output that looks like a note is not taken for one")
    func outputIsNotANote() {
        let notes = PodCard.notes(in: "pod default/x failed: exit code 1 (Fake)\n[tide] pod default/x succeeded\n")
        #expect(notes.outcome == "pod default/x succeeded")
        #expect(notes.reason == nil)
    }
}
