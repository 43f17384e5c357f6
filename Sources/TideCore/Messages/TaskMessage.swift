import Foundation

/// The message a scheduler pushes to a Redis queue for a worker: which try of which task instance.
///
/// It is deliberately small and carries no command: the worker reads the task's definition from
/// PostgreSQL when it claims the try, so a stale or forged message can only name a try, and the
/// claim's guard (`state = 'queued' AND try_number = try`) decides whether it may run.
public struct TaskMessage: Sendable, Hashable, Codable {
    /// The current wire version; a worker rejects other versions to the dead-letter list.
    public static let currentVersion = 1

    public var version: Int
    /// The task instance's id in PostgreSQL.
    public var taskInstanceId: Int64
    /// The try this message is for (1-based).
    public var tryNumber: Int
    public var queue: String
    public var dagId: String
    public var taskId: String

    public init(taskInstanceId: Int64, tryNumber: Int, queue: String, dagId: String, taskId: String) {
        self.version = Self.currentVersion
        self.taskInstanceId = taskInstanceId
        self.tryNumber = tryNumber
        self.queue = queue
        self.dagId = dagId
        self.taskId = taskId
    }

    private enum CodingKeys: String, CodingKey {
        case version = "v", taskInstanceId = "ti", tryNumber = "try", queue, dagId = "dag", taskId = "task"
    }

    /// Compact JSON with sorted keys: the same try always encodes to the same bytes, so the
    /// queue's sorted set holds at most one copy of it.
    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Decodes and checks a message popped from a queue.
    /// - Throws: ``MessageError`` saying what is wrong with it.
    public static func decode(_ text: String) throws(MessageError) -> TaskMessage {
        let message: TaskMessage
        do {
            message = try JSONDecoder().decode(TaskMessage.self, from: Data(text.utf8))
        } catch let DecodingError.keyNotFound(key, _) {
            throw MessageError(reason: "missing field '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw MessageError(
                reason: "wrong type for field '\(context.codingPath.map(\.stringValue).joined(separator: "."))'")
        } catch {
            throw MessageError(reason: "not a JSON task message")
        }
        guard message.version == currentVersion else {
            throw MessageError(reason: "unsupported message version \(message.version) (expected \(currentVersion))")
        }
        guard message.taskInstanceId > 0, message.tryNumber > 0 else {
            throw MessageError(reason: "task instance id and try must be positive")
        }
        return message
    }
}

/// Why a queue message was rejected.
public struct MessageError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { "malformed task message: \(reason)" }
}
