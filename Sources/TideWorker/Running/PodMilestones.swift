import Foundation
import TideKube

/// When a try's pod passed each step, as this worker saw it happen (the watch), for the history
/// that ends the task's log.
struct PodMilestones: Sendable {
    /// When the worker created the pod (or the pod's creation time, for a pod it reattached to).
    var created: Date
    /// Whether this worker created the pod; a reattached pod's earlier steps were not watched.
    var createdHere: Bool
    var scheduled: (at: Date, node: String)?
    var started: Date?
    var ended: Date?

    init(created: Date, createdHere: Bool) {
        self.created = created
        self.createdHere = createdHere
    }

    /// Notes the steps `status` shows for the first time.
    mutating func observe(_ status: PodStatus, at now: Date) {
        if scheduled == nil, let node = status.nodeName { scheduled = (now, node) }
        if started == nil, status.hasStarted { started = now }
        if ended == nil, status.isFinished { ended = now }
    }

    /// The history lines: each step with its time and how long after the one before.
    /// - Parameters:
    ///   - ending: how the pod ended (`Succeeded, exit code 0`), for the last line.
    ///   - scaleUp: the `TriggeredScaleUp` event's message, when the pod waited for new nodes.
    func lines(ending: String, scaleUp: String?) -> [String] {
        func at(_ date: Date) -> String { Self.clock(date) + "  +" + Self.seconds(date.timeIntervalSince(created)) }
        var lines = ["\(Self.clock(created))  +0.0 s  \(createdHere ? "created" : "found (created earlier)")"]
        if let scheduled {
            let wait = "after \(Self.seconds(scheduled.at.timeIntervalSince(created))) Pending"
            let why = scaleUp.map { ", waiting for a node-pool scale-up (\($0))" } ?? ""
            lines.append("\(at(scheduled.at))  scheduled on \(scheduled.node) \(wait)\(why)")
        }
        if let started {
            let since = scheduled.map {
                " (image pull and container start: \(Self.seconds(started.timeIntervalSince($0.at))))"
            }
            lines.append("\(at(started))  container started\(since ?? "")")
        }
        if let ended {
            let ran = started.map { ", ran \(Self.seconds(ended.timeIntervalSince($0)))" } ?? ""
            lines.append("\(at(ended))  ended: \(ending)\(ran)")
        }
        return lines
    }

    static func seconds(_ interval: TimeInterval) -> String {
        String(format: "%.1f s", max(0, interval))
    }

    /// `HH:mm:ss.SSS` in UTC.
    static func clock(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "HH:mm:ss.SSS"
        return formatter.string(from: date)
    }
}
