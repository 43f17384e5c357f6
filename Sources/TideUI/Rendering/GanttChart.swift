import Foundation
import TidePostgres

/// The Gantt chart of a run: one row per try, split into the phases that tell a scheduler
/// bottleneck from a worker shortage from a node pool scaling up; the critical path outlined.
struct GanttChart {
    /// A phase of a try.
    enum Phase: String, CaseIterable {
        case upstream, retryDelay = "retry-delay", held, queued, podPending = "pod-pending", imagePull = "image-pull"
        case running

        var title: String {
            switch self {
            case .upstream: "waiting for upstream"
            case .retryDelay: "retry delay"
            case .held: "scheduled, held by a limit"
            case .queued: "queued in Redis"
            case .podPending: "pod pending (node-pool scale-up, scheduling)"
            case .imagePull: "image pull, container start"
            case .running: "running"
            }
        }
    }

    struct Segment {
        var phase: Phase
        var start: Double
        var end: Double
        var detail: String
    }

    struct Row {
        var entry: TimelineEntry
        var segments: [Segment]
        var critical: Bool
    }

    static let labelWidth = 230.0
    static let chartWidth = 860.0
    static let rowHeight = 22.0

    var rows: [Row]
    var start: Double
    var end: Double

    /// - Parameters:
    ///   - entries: the run's timeline (every try of every task).
    ///   - runStart: when the run started (the upstream wait of root tasks starts there).
    ///   - upstream: each task's upstream task ids, for waits and the critical path.
    init(entries: [TimelineEntry], runStart: Double, upstream: [String: [String]], now: Double) {
        var lastEnd: [String: Double] = [:]
        for entry in entries {
            if let end = entry.endedAt { lastEnd[entry.taskId] = max(lastEnd[entry.taskId] ?? 0, end) }
        }
        var previousTryEnd: [String: Double] = [:]
        var built: [Row] = []
        for entry in entries {
            var segments: [Segment] = []
            let running =
                entry.containerStartedAt ?? (entry.pod == nil && entry.podCreatedAt == nil ? entry.claimedAt : nil)
            if let ready = entry.scheduledAt {
                if let previous = previousTryEnd[entry.label] {
                    segments.append(Segment(phase: .retryDelay, start: previous, end: ready, detail: ""))
                } else {
                    let upstreamDone = (upstream[entry.taskId] ?? []).compactMap { lastEnd[$0] }.max() ?? runStart
                    segments.append(
                        Segment(
                            phase: .upstream, start: runStart, end: max(runStart, min(ready, upstreamDone)), detail: "")
                    )
                }
                let heldUntil = entry.queuedAt ?? (entry.state == "scheduled" ? now : nil)
                if let heldUntil {
                    segments.append(
                        Segment(phase: .held, start: ready, end: heldUntil, detail: Self.heldText(entry)))
                }
            }
            if let queued = entry.queuedAt {
                segments.append(
                    Segment(
                        phase: .queued, start: queued, end: entry.claimedAt ?? (entry.state == "queued" ? now : queued),
                        detail: entry.queue))
            }
            if let claimed = entry.claimedAt, entry.pod != nil || entry.podCreatedAt != nil {
                let scheduled =
                    entry.podScheduledAt
                    ?? (entry.containerStartedAt == nil && entry.endedAt == nil ? now : entry.endedAt)
                if let scheduled {
                    segments.append(
                        Segment(
                            phase: .podPending, start: claimed, end: scheduled, detail: entry.podWaitingReason ?? ""))
                }
                if let onNode = entry.podScheduledAt {
                    let started = entry.containerStartedAt ?? entry.endedAt ?? now
                    segments.append(
                        Segment(phase: .imagePull, start: onNode, end: started, detail: entry.nodeName ?? ""))
                }
            }
            if let running {
                segments.append(
                    Segment(
                        phase: .running, start: running,
                        end: entry.endedAt ?? (entry.state == "running" ? now : running),
                        detail: entry.hostname ?? ""))
            }
            if let end = entry.endedAt { previousTryEnd[entry.label] = end }
            // Zero-length phases (a try queued in the pass that found it ready) are not drawn; a run is.
            let drawn = segments.filter { $0.end > $0.start || ($0.phase == .running && $0.end == $0.start) }
            built.append(Row(entry: entry, segments: drawn, critical: false))
        }
        let critical = Self.criticalPath(entries: entries, upstream: upstream, lastEnd: lastEnd)
        rows = built.map { row in
            var row = row
            row.critical = critical.contains(row.entry.taskId)
            return row
        }
        start = runStart
        end = max(runStart + 1, rows.flatMap(\.segments).map(\.end).max() ?? runStart + 1)
    }

    static func heldText(_ entry: TimelineEntry) -> String {
        switch entry.heldReason {
        case "pool_full": "pool '\(entry.pool)' full"
        case "unknown_pool": "pool '\(entry.pool)' does not exist"
        case "parallelism": "parallelism reached"
        case "max_active_tasks": "DAG's max_active_tasks reached"
        case "max_active_tis_per_dag": "task's max_active_tis_per_dag reached"
        case "node_pool_full": "node pool's max_pods reached"
        case let other?: other
        case nil: ""
        }
    }

    /// The chain of tasks that decided when the run ended: from the task that ended last, back
    /// through the upstream task that ended last each time.
    static func criticalPath(entries: [TimelineEntry], upstream: [String: [String]], lastEnd: [String: Double]) -> Set<
        String
    > {
        guard var current = lastEnd.max(by: { $0.value == $1.value ? $0.key > $1.key : $0.value < $1.value })?.key
        else {
            return []
        }
        var path: Set<String> = [current]
        while let previous = (upstream[current] ?? []).filter({ lastEnd[$0] != nil })
            .max(by: { (lastEnd[$0] ?? 0) < (lastEnd[$1] ?? 0) }), !path.contains(previous)
        {
            path.insert(previous)
            current = previous
        }
        return path
    }

    func x(_ time: Double) -> Double { Self.labelWidth + (time - start) / (end - start) * Self.chartWidth }

    /// The SVG, each try's label a link made by `href(entry)`.
    func svg(href: (TimelineEntry) -> String) -> String {
        let height = Double(rows.count) * Self.rowHeight + 30
        var out = """
            <svg class="gantt" xmlns="http://www.w3.org/2000/svg" width="\(Int(Self.labelWidth + Self.chartWidth + 10))" \
            height="\(Int(height))" role="img" aria-label="Gantt chart of the run's tries">
            """
        for tick in 0...4 {
            let time = start + (end - start) * Double(tick) / 4
            let position = x(time)
            out += "<line class=\"tick\" x1=\"\(position)\" y1=\"16\" x2=\"\(position)\" y2=\"\(height)\"/>"
            out +=
                "<text class=\"axis\" x=\"\(position)\" y=\"11\" text-anchor=\"\(tick == 0 ? "start" : tick == 4 ? "end" : "middle")\">+\(Format.duration(time - start))</text>"
        }
        for (index, row) in rows.enumerated() {
            let y = 20 + Double(index) * Self.rowHeight
            let entry = row.entry
            let label = entry.label + (entry.tryNumber > 1 ? " (try \(entry.tryNumber))" : "")
            let style = StateStyle(text: entry.state)
            out += """
                <g class="try\(row.critical ? " critical" : "")" data-task="\(HTML.escape(entry.taskId))" data-try="\(entry.tryNumber)">\
                <a href="\(href(entry))"><text x="4" y="\(y + 15)" class="label">\(style.symbol) \(HTML.escape(String(label.prefix(30))))</text></a>
                """
            for segment in row.segments {
                let left = x(segment.start)
                let width = max(1.5, x(segment.end) - left)
                let tip =
                    "\(entry.label) try \(entry.tryNumber): \(segment.phase.title)"
                    + (segment.detail.isEmpty ? "" : " (\(segment.detail))") + ", "
                    + Format.duration(segment.end - segment.start)
                out += """
                    <rect class="seg \(segment.phase.rawValue)\(segment.phase == .running ? " " + style.cssClass : "")" \
                    data-phase="\(segment.phase.rawValue)" data-detail="\(HTML.escape(segment.detail))" \
                    x="\(left)" y="\(y + 3)" width="\(width)" height="\(Self.rowHeight - 6)"><title>\(HTML.escape(tip))</title></rect>
                    """
            }
            out += "</g>"
        }
        return out + "</svg>"
    }
}
