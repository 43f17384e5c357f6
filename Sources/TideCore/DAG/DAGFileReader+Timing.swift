import Foundation
import Yams

extension DAGFileReader {
    /// The DAG's schedule and run settings.
    struct Timing {
        var schedule = Schedule.manual
        var timeZone: String?
        var templateTimeZone: String?
        var startDate: String?
        var endDate: String?
        var catchup: Bool?
        var maxActiveRuns = 16
        var maxActiveTasks = 16
        var dagrunTimeout: Double?
    }

    mutating func readTiming(_ fields: [String: Node], root: Node) -> Timing {
        var timing = Timing()
        if let node = fields["schedule"], !node.isNull {
            switch node {
            case .scalar(let scalar):
                do {
                    timing.schedule = try Schedule.parse(scalar.string)
                } catch {
                    report(
                        node, "invalid schedule '\(scalar.string)': \(error.message)",
                        hint: "use a cron expression, a preset like @daily, @once, {every: 15m}, PT15M or null")
                }
            case .mapping:
                if let pairs = mapping(node, what: "schedule") {
                    checkKeys(pairs, allowed: ["every", "datasets", "assets"], place: "schedule")
                    if let datasets = pairs.first(where: { $0.key == "datasets" || $0.key == "assets" }) {
                        timing.schedule = readDatasetSchedule(datasets.value, key: datasets.key) ?? .manual
                    } else if let every = pairs.first(where: { $0.key == "every" })?.value,
                        let seconds = duration(every, what: "schedule.every")
                    {
                        if seconds > 0 {
                            timing.schedule = .interval(seconds: seconds)
                        } else {
                            report(every, "schedule.every must be more than 0")
                        }
                    } else if !pairs.contains(where: { $0.key == "every" }) {
                        report(node, "schedule mapping needs 'every' or 'datasets', e.g. {every: 15m}")
                    }
                }
            default:
                report(
                    node,
                    "expected a string, {every: DURATION} or {datasets: [URI, ...]} for schedule, got \(node.kindName)")
            }
        }
        var zone = TimeZone(identifier: "UTC")
        if let node = fields["timezone"], let name = string(node, what: "timezone") {
            if let parsed = TimeZone(identifier: name) {
                timing.timeZone = name
                zone = parsed
            } else {
                report(
                    node, "unknown timezone '\(name)'",
                    hint: "use an IANA name such as Europe/Berlin or America/New_York")
            }
        }
        if let node = fields["template_timezone"], let name = string(node, what: "template_timezone") {
            if TimeZone(identifier: name) != nil {
                timing.templateTimeZone = name
            } else {
                report(
                    node, "unknown template_timezone '\(name)'",
                    hint: "use an IANA name such as Asia/Seoul or Europe/Berlin")
            }
        }
        for key in ["start_date", "end_date"] {
            guard let node = fields[key], !node.isNull, let text = string(node, what: key) else { continue }
            if let zone, LocalDate.parse(text, in: zone) == nil {
                report(
                    node, "invalid \(key) '\(text)'",
                    hint: "use 2026-01-31, 2026-01-31T03:00 or 2026-01-31T03:00:00+01:00")
            } else if key == "start_date" {
                timing.startDate = text
            } else {
                timing.endDate = text
            }
        }
        if timing.startDate == nil, timing.schedule.isTimeBased {
            report(
                fields["schedule"] ?? root, "a scheduled DAG needs a start_date",
                hint: "add e.g. 'start_date: 2026-01-01'")
        }
        if let node = fields["catchup"], !node.isNull {
            if let value = node.bool {
                timing.catchup = value
            } else {
                report(node, "expected true or false for catchup, got \(node.describedValue)")
            }
        }
        if let node = fields["max_active_tasks"], !node.isNull, let value = int(node, what: "max_active_tasks") {
            if value >= 1 {
                timing.maxActiveTasks = value
            } else {
                report(node, "max_active_tasks must be at least 1, got \(value)")
            }
        }
        if let node = fields["max_active_runs"], !node.isNull, let value = int(node, what: "max_active_runs") {
            if value >= 1 {
                timing.maxActiveRuns = value
            } else {
                report(node, "max_active_runs must be at least 1, got \(value)")
            }
        }
        if let node = fields["dagrun_timeout"], !node.isNull, let seconds = duration(node, what: "dagrun_timeout") {
            if seconds > 0 {
                timing.dagrunTimeout = seconds
            } else {
                report(node, "dagrun_timeout must be more than 0")
            }
        }
        return timing
    }
}
