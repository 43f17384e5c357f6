import Foundation
import TideCore
import TidePostgres

/// What a pod task's page shows about its pod: node pool, node, phase history, exit code and
/// reason (OOMKilled, …) and the Kubernetes events the worker copied into the log.
struct PodCard {
    let ti: TaskInstanceRecord
    let spec: TaskSpec
    let timeline: TimelineEntry?
    /// The shown part of the try's log (the tail), where the worker's `[tide]` notices are.
    let logText: String

    static let notice = "[tide] "

    var model: [String: Any] {
        var phases: [[String: Any]] = []
        func add(_ name: String, _ time: Double?, _ detail: String = "") {
            guard let time else { return }
            phases.append(["name": name, "time": Format.time(time), "detail": detail])
        }
        add("Queued", timeline?.queuedAt)
        add("Claimed by a worker", timeline?.claimedAt, timeline?.hostname ?? "")
        add("Pod created", timeline?.podCreatedAt, timeline?.pod ?? ti.externalId ?? "")
        if let created = timeline?.podCreatedAt, let scheduled = timeline?.podScheduledAt {
            add(
                "Scheduled on a node", scheduled,
                (timeline?.nodeName ?? "") + " after " + Format.duration(scheduled - created))
        }
        if let scheduled = timeline?.podScheduledAt, let started = timeline?.containerStartedAt {
            add("Container started", started, "image pull and start took " + Format.duration(started - scheduled))
        }
        add("Ended", timeline?.endedAt, timeline.map { StateStyle(text: $0.state).label } ?? "")
        let notes = Self.notes(in: logText)
        return [
            "name": timeline?.pod ?? ti.externalId ?? "–", "nodePool": spec.nodePool ?? ti.nodePool ?? "–",
            "node": timeline?.nodeName ?? "–", "phases": phases, "exitCode": ti.exitCode.map(String.init) ?? "–",
            "reason": notes.reason ?? "", "outcome": notes.outcome, "events": notes.events,
            "hasEvents": !notes.events.isEmpty,
            "waitingReason": timeline?.podWaitingReason ?? "", "oom": notes.reason == "OOMKilled",
        ]
    }

    /// What the worker wrote about the pod into the log (`[tide] …` lines): how it ended, the
    /// reason in parentheses (`OOMKilled`, `Error`, …) and the pod's events.
    struct Notes: Equatable {
        var outcome = ""
        var reason: String?
        var events: [String] = []
    }

    static func notes(in log: String) -> Notes {
        var notes = Notes()
        var inEvents = false
        for line in log.split(separator: "\n") where line.hasPrefix(notice) {
            let text = line.dropFirst(notice.count)
            if text.hasPrefix("events of pod ") {
                inEvents = true
                continue
            }
            if inEvents && text.hasPrefix("  ") {
                notes.events.append(text.trimmingCharacters(in: .whitespaces))
                continue
            }
            inEvents = false
            if text.hasPrefix("pod ")
                && (text.contains(" failed: ") || text.hasSuffix(" succeeded") || text.contains(" ended with "))
            {
                notes.outcome = String(text)
            }
        }
        if let open = notes.outcome.range(of: "("), let close = notes.outcome[open.upperBound...].firstIndex(of: ")") {
            notes.reason = String(notes.outcome[open.upperBound..<close])
        }
        return notes
    }
}
