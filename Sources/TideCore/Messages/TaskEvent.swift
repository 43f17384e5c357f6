import Foundation

/// A wake-up for the scheduler, pushed to the events list: a try finished, or a run was triggered.
///
/// Events only make the scheduler look sooner; it re-reads the truth from PostgreSQL, so a lost
/// event costs latency (until the fallback pass), never correctness.
public struct TaskEvent: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// A task try reached a state; `taskInstanceId`, `runId` and `state` are set.
        case taskFinished = "task_finished"
        /// A DAG run was created; `runId` is set.
        case runCreated = "run_created"
        /// An operator cleared or marked tasks of a run; `runId` is set.
        case runChanged = "run_changed"
    }

    public var kind: Kind
    public var runId: Int64
    public var taskInstanceId: Int64?
    public var taskId: String?
    public var state: TaskState?

    public init(kind: Kind, runId: Int64, taskInstanceId: Int64? = nil, taskId: String? = nil, state: TaskState? = nil)
    {
        self.kind = kind
        self.runId = runId
        self.taskInstanceId = taskInstanceId
        self.taskId = taskId
        self.state = state
    }

    private enum CodingKeys: String, CodingKey {
        case kind, runId = "run", taskInstanceId = "ti", taskId = "task", state
    }

    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Decodes an event, or nil for anything that is not one (it is then ignored).
    public static func decode(_ text: String) -> TaskEvent? {
        try? JSONDecoder().decode(TaskEvent.self, from: Data(text.utf8))
    }
}
