import Foundation

/// The body of a callback request.
///
/// JSON format: `{"event", "dag_id", "run_id", "run", "logical_date", "state", "task_id",
/// "try_number", "log_tail", "log_command"}` (task fields only for task events). Slack format: a
/// one-message `{"text": …}` for an incoming webhook.
public struct CallbackPayload: Sendable, Hashable {
    public var event: CallbackEvent
    public var dagId: String
    public var runName: String
    public var runNumber: Int64
    public var logicalDate: Date
    public var state: String
    public var taskId: String?
    public var tryNumber: Int?
    /// The end of the try's output (at most a few KiB).
    public var logTail: String?

    public init(
        event: CallbackEvent, dagId: String, runName: String, runNumber: Int64, logicalDate: Date, state: String,
        taskId: String? = nil, tryNumber: Int? = nil, logTail: String? = nil
    ) {
        self.event = event
        self.dagId = dagId
        self.runName = runName
        self.runNumber = runNumber
        self.logicalDate = logicalDate
        self.state = state
        self.taskId = taskId
        self.tryNumber = tryNumber
        self.logTail = logTail
    }

    /// How many bytes of the log a payload carries.
    public static let logTailBytes = 2000

    /// The request body in `format`.
    public func body(_ format: CallbackSpec.Format) -> String {
        switch format {
        case .json: jsonBody
        case .slack: JSONValue.object(["text": .string(slackText)]).jsonText
        }
    }

    var logCommand: String? {
        guard let taskId, let tryNumber else { return nil }
        return "tide tasks logs \(runNumber) \(taskId) --try \(tryNumber)"
    }

    var jsonBody: String {
        var fields: [String: JSONValue] = [
            "event": .string(event.rawValue), "dag_id": .string(dagId), "run_id": .string(runName),
            "run": .number(Double(runNumber)), "logical_date": .string(TemplateContext.ts(logicalDate)),
            "state": .string(state),
        ]
        if let taskId { fields["task_id"] = .string(taskId) }
        if let tryNumber { fields["try_number"] = .number(Double(tryNumber)) }
        if let logTail { fields["log_tail"] = .string(logTail) }
        if let logCommand { fields["log_command"] = .string(logCommand) }
        return JSONValue.object(fields).jsonText
    }

    var slackText: String {
        let icon: String
        let verb: String
        switch event {
        case .taskSuccess, .dagSuccess: (icon, verb) = (":large_green_circle:", "succeeded")
        case .taskFailure, .dagFailure: (icon, verb) = (":red_circle:", "failed")
        case .taskRetry: (icon, verb) = (":large_orange_circle:", "failed and will retry")
        }
        var text: String
        if let taskId {
            text = "\(icon) Task *\(dagId).\(taskId)* \(verb) (try \(tryNumber ?? 1)) in run `\(runName)`"
        } else {
            text = "\(icon) DAG *\(dagId)* \(verb): run `\(runName)`"
        }
        if let logTail, !logTail.isEmpty {
            text += "\n```\n\(logTail.hasSuffix("\n") ? String(logTail.dropLast()) : logTail)\n```"
        }
        if let logCommand { text += "\nFull log: `\(logCommand)`" }
        return text
    }

    /// The last `logTailBytes` bytes of `log`, cut at a line start where possible.
    public static func tail(of log: String) -> String {
        let bytes = Array(log.utf8)
        guard bytes.count > logTailBytes else { return log }
        var tail = Array(bytes.suffix(logTailBytes))
        if let newline = tail.firstIndex(of: UInt8(ascii: "\n")), newline < tail.count - 1 {
            tail.removeFirst(newline + 1)
        }
        return String(decoding: tail, as: UTF8.self)
    }
}
