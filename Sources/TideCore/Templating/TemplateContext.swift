import Foundation

/// The values a task's templates can use, with Airflow's names.
///
/// Dates are UTC, as in Airflow's context: `ds` is `2026-01-31`, `ts` is
/// `2026-01-31T00:00:00+00:00`. For a manual run the data interval is `[logical_date, logical_date]`,
/// and `prev_ds`/`next_ds` are `None` unless the DAG has a schedule.
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

    public init(
        dagId: String, taskId: String, runId: String, runType: String, tryNumber: Int, logicalDate: Date,
        dataIntervalStart: Date? = nil, dataIntervalEnd: Date? = nil, previousLogicalDate: Date? = nil,
        nextLogicalDate: Date? = nil, params: [String: JSONValue] = [:], conf: [String: JSONValue] = [:]
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
    }

    /// The names templates may use at the top level.
    public static let names: [String] = [
        "ds", "ds_nodash", "ts", "ts_nodash", "ts_nodash_with_tz", "logical_date", "data_interval_start",
        "data_interval_end", "prev_ds", "next_ds", "prev_ds_nodash", "next_ds_nodash", "run_id", "dag", "task", "ti",
        "params", "dag_run", "conf",
    ]

    /// The context as Stencil values.
    var values: [String: Any] {
        let none = "None"
        let ti: [String: Any] = ["try_number": tryNumber, "task_id": taskId, "dag_id": dagId, "run_id": runId]
        let dagRun: [String: Any] = [
            "conf": JSONValue.object(conf).templateValue, "run_id": runId, "run_type": runType,
            "logical_date": Self.ts(logicalDate),
        ]
        return [
            "ds": Self.ds(logicalDate), "ds_nodash": Self.ds(logicalDate).replacingOccurrences(of: "-", with: ""),
            "ts": Self.ts(logicalDate), "ts_nodash": Self.tsNoDash(logicalDate),
            "ts_nodash_with_tz": Self.tsNoDash(logicalDate) + "+0000", "logical_date": Self.ts(logicalDate),
            "data_interval_start": Self.ts(dataIntervalStart), "data_interval_end": Self.ts(dataIntervalEnd),
            "prev_ds": previousLogicalDate.map(Self.ds) ?? none, "next_ds": nextLogicalDate.map(Self.ds) ?? none,
            "prev_ds_nodash": previousLogicalDate.map { Self.ds($0).replacingOccurrences(of: "-", with: "") } ?? none,
            "next_ds_nodash": nextLogicalDate.map { Self.ds($0).replacingOccurrences(of: "-", with: "") } ?? none,
            "run_id": runId, "dag": ["dag_id": dagId], "task": ["task_id": taskId], "ti": ti,
            "params": JSONValue.object(params).templateValue, "dag_run": dagRun,
            "conf": JSONValue.object(conf).templateValue,
        ]
    }

    static func ds(_ date: Date) -> String { format(date, "yyyy-MM-dd") }
    static func ts(_ date: Date) -> String { format(date, "yyyy-MM-dd'T'HH:mm:ss") + "+00:00" }
    static func tsNoDash(_ date: Date) -> String { format(date, "yyyyMMdd'T'HHmmss") }

    static func format(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = pattern
        return formatter.string(from: date)
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
