import Foundation

/// The values a task's templates can use, with Airflow's names.
///
/// Dates are UTC, as in Airflow's context: `ds` is `2026-01-31`, `ts` is
/// `2026-01-31T00:00:00+00:00`, and the datetime values (`logical_date`, `data_interval_start`,
/// `data_interval_end`, `dag_run.logical_date`) print as Python prints a datetime,
/// `2026-01-31 00:00:00+00:00` (microseconds when there are any, in `ts` too), unless the DAG sets
/// `template_timezone` (`timeZone`): then they are that zone's wall-clock dates and times with its
/// offset (`2026-01-31T09:00:00+09:00` in Asia/Seoul). For a manual run the data interval is `[logical_date, logical_date]`, and
/// `prev_ds`/`next_ds` are `None` unless the DAG has a schedule.
public struct TemplateContext: Sendable {
    public var dagId: String
    public var taskId: String
    public var runId: String
    public var runType: String
    public var tryNumber: Int
    public var logicalDate: Date
    public var dataIntervalStart: Date
    public var dataIntervalEnd: Date
    /// The schedule's fire time before / after the logical date, if the DAG has a schedule.
    public var previousLogicalDate: Date?
    public var nextLogicalDate: Date?
    /// DAG params with the run's conf merged over them.
    public var params: [String: JSONValue]
    public var conf: [String: JSONValue]
    /// The zone dates and times are rendered in (the DAG's `template_timezone`; default UTC).
    public var timeZone: TimeZone
    /// The values the templates pull (``XComPull``) that were pushed; a pull not here renders `None`.
    public var xcoms: [XComPull: JSONValue] = [:]
    /// A mapped instance's index (`ti.map_index`); -1 for a task that is not mapped, as in Airflow.
    public var mapIndex = -1
    /// A mapped instance's arguments (`expanded.NAME`), see ``TaskExpansion``.
    public var expanded: [String: JSONValue] = [:]

    public init(
        dagId: String, taskId: String, runId: String, runType: String, tryNumber: Int, logicalDate: Date,
        dataIntervalStart: Date? = nil, dataIntervalEnd: Date? = nil, previousLogicalDate: Date? = nil,
        nextLogicalDate: Date? = nil, params: [String: JSONValue] = [:], conf: [String: JSONValue] = [:],
        timeZone: TimeZone = TimeZone(secondsFromGMT: 0) ?? .current
    ) {
        self.dagId = dagId
        self.taskId = taskId
        self.runId = runId
        self.runType = runType
        self.tryNumber = tryNumber
        self.logicalDate = logicalDate
        self.dataIntervalStart = dataIntervalStart ?? logicalDate
        self.dataIntervalEnd = dataIntervalEnd ?? logicalDate
        self.previousLogicalDate = previousLogicalDate
        self.nextLogicalDate = nextLogicalDate
        self.params = params
        self.conf = conf
        self.timeZone = timeZone
    }

    /// The names templates may use at the top level.
    public static let names: [String] = [
        "ds", "ds_nodash", "ts", "ts_nodash", "ts_nodash_with_tz", "logical_date", "data_interval_start",
        "data_interval_end", "prev_ds", "next_ds", "prev_ds_nodash", "next_ds_nodash", "run_id", "dag", "task", "ti",
        "params", "dag_run", "conf", "expanded",
    ]

    /// The context as Stencil values.
    var values: [String: Any] {
        let none = "None"
        let ds = format("yyyy-MM-dd")
        let dsNoDash = format("yyyyMMdd")
        let ts = python("T")
        let dateTime = python(" ")
        let ti: [String: Any] = [
            "try_number": tryNumber, "task_id": taskId, "dag_id": dagId, "run_id": runId, "map_index": mapIndex,
        ]
        let dagRun: [String: Any] = [
            "conf": JSONValue.object(conf).templateValue, "run_id": runId, "run_type": runType,
            "logical_date": dateTime(logicalDate),
        ]
        return [
            "ds": ds(logicalDate), "ds_nodash": dsNoDash(logicalDate), "ts": ts(logicalDate),
            "ts_nodash": format("yyyyMMdd'T'HHmmss")(logicalDate),
            "ts_nodash_with_tz": ts(logicalDate).replacingOccurrences(of: "-", with: "")
                .replacingOccurrences(of: ":", with: ""),
            "logical_date": dateTime(logicalDate), "data_interval_start": dateTime(dataIntervalStart),
            "data_interval_end": dateTime(dataIntervalEnd),
            "prev_ds": previousLogicalDate.map(ds) ?? none, "next_ds": nextLogicalDate.map(ds) ?? none,
            "prev_ds_nodash": previousLogicalDate.map(dsNoDash) ?? none,
            "next_ds_nodash": nextLogicalDate.map(dsNoDash) ?? none,
            "run_id": runId, "dag": ["dag_id": dagId], "task": ["task_id": taskId], "ti": ti,
            "params": JSONValue.object(params).templateValue, "dag_run": dagRun,
            "conf": JSONValue.object(conf).templateValue, "expanded": JSONValue.object(expanded).templateValue,
        ]
    }

    /// A datetime as Python's `isoformat(separator)` writes it (what Airflow's templates show):
    /// `2026-01-31 00:00:00+00:00`, with `.123456` when there are microseconds.
    private func python(_ separator: String) -> (Date) -> String {
        let whole = format("yyyy-MM-dd'\(separator)'HH:mm:ss")
        let offset = format("xxx")
        return { date in
            let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
            let seconds = (micros / 1_000_000).rounded(.down)
            let fraction = Int(micros - seconds * 1_000_000)
            let instant = Date(timeIntervalSince1970: seconds)
            let digits = String(fraction)
            let micro = fraction == 0 ? "" : "." + String(repeating: "0", count: 6 - digits.count) + digits
            return whole(instant) + micro + offset(instant)
        }
    }

    /// A formatter of dates in the context's zone (`xxx` is the offset as `+09:00`, `xx` as `+0900`).
    private func format(_ pattern: String) -> (Date) -> String {
        let formatter = Self.formatter(pattern, in: timeZone)
        return { formatter.string(from: $0) }
    }

    // Calendar dates and UTC times, for callbacks and the date filters (zone-independent).
    static func ds(_ date: Date) -> String { format(date, "yyyy-MM-dd") }
    static func ts(_ date: Date) -> String { format(date, "yyyy-MM-dd'T'HH:mm:ssxxx") }

    static func format(_ date: Date, _ pattern: String) -> String {
        formatter(pattern, in: TimeZone(secondsFromGMT: 0) ?? .current).string(from: date)
    }

    private static func formatter(_ pattern: String, in zone: TimeZone) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = pattern
        return formatter
    }
}

extension JSONValue {
    /// The value as plain Swift values for the template engine.
    var templateValue: Any {
        switch self {
        case .null: return "None"
        case .bool(let value): return value
        case .number(let value): return value.rounded() == value && abs(value) < 9e15 ? Int(value) as Any : value as Any
        case .string(let value): return value
        case .array(let values): return values.map(\.templateValue)
        case .object(let fields): return fields.mapValues(\.templateValue)
        }
    }
}
