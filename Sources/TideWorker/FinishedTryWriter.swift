import Logging
import TideCore
import TidePostgres
import TideRedis

/// Records the worker's finished tries. Whatever finished while the previous write was in flight
/// goes into the next one: one statement for their results and logs, then one `LPUSH` of their
/// events. No timer: at idle a write is one try, under load it is everything that piled up.
///
/// PostgreSQL may be away: a write is retried with back-off until it is recorded (the tries are
/// done; running them again would be worse), or until the worker is cancelled.
final class FinishedTryWriter: Sendable {
    /// What became of one try's result.
    enum Recorded: Sendable {
        /// Recorded; the task instance is now in this state.
        case finished(TaskInstanceStore.FinishedTry)
        /// Not recorded: the try was no longer this worker's (its log is kept, marked stale).
        case stale
        /// The worker stopped before PostgreSQL took it; the scheduler rescues the try.
        case notRecorded
    }

    private struct Request: Sendable {
        var result: TaskInstanceStore.TryResult
        var taskId: String
        var continuation: CheckedContinuation<Recorded, Never>
    }

    private struct State {
        var pending: [Request] = []
        var closed = false
    }

    private let tasks: TaskInstanceStore
    private let events: EventChannel
    private let callbacksKey: String
    private let state = LockedBox(State())
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let databaseFailed: @Sendable (any Error) -> Void
    private let databaseRecovered: @Sendable () -> Void
    private let logger: Logger

    init(
        tasks: TaskInstanceStore, keys: RedisKeys, logger: Logger,
        databaseFailed: @escaping @Sendable (any Error) -> Void, databaseRecovered: @escaping @Sendable () -> Void
    ) {
        self.tasks = tasks
        events = EventChannel(keys: keys)
        callbacksKey = keys.callbacks
        self.logger = logger
        self.databaseFailed = databaseFailed
        self.databaseRecovered = databaseRecovered
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Hands a try's result to the writer and waits until it is recorded (or cannot be).
    /// - Returns: what became of it.
    func record(_ result: TaskInstanceStore.TryResult, taskId: String) async -> Recorded {
        await withCheckedContinuation { continuation in
            let accepted = state.mutate { state -> Bool in
                guard !state.closed else { return false }
                state.pending.append(Request(result: result, taskId: taskId, continuation: continuation))
                return true
            }
            if accepted { wake.yield() } else { continuation.resume(returning: .notRecorded) }
        }
    }

    /// Writes until cancelled, pushing events on `command`; then answers what is left as not recorded.
    func run(command: RedisConnection) async {
        for await _ in wakeups {
            while let batch = takePending() {
                await write(batch, command: command)
            }
            if Task.isCancelled { break }
        }
        let left = state.mutate { state -> [Request] in
            state.closed = true
            defer { state.pending = [] }
            return state.pending
        }
        for request in left { request.continuation.resume(returning: .notRecorded) }
    }

    private func takePending() -> [Request]? {
        state.mutate { state in
            guard !state.pending.isEmpty else { return nil }
            defer { state.pending = [] }
            return state.pending
        }
    }

    private func write(_ batch: [Request], command: RedisConnection) async {
        var attempts = OutageTracker()
        var finished: [TaskInstanceStore.FinishedTry?]?
        while finished == nil {
            do {
                finished = try await tasks.finish(batch.map(\.result))
                databaseRecovered()
            } catch {
                _ = attempts.failed()
                databaseFailed(error)
                if Task.isCancelled { break }
                try? await Task.sleep(for: attempts.backoff())
            }
        }
        guard let finished else {
            for request in batch { request.continuation.resume(returning: .notRecorded) }
            return
        }
        if attempts.failures > 0 {
            logger.notice(
                "try results recorded after PostgreSQL returned",
                metadata: ["tries": "\(batch.count)", "attempts": "\(attempts.failures + 1)"])
        }
        var published: [TaskEvent] = []
        var callbacksQueued = false
        for (request, outcome) in zip(batch, finished) {
            guard let outcome else { continue }
            published.append(
                TaskEvent(
                    kind: .taskFinished, runId: outcome.runId, taskInstanceId: request.result.taskInstanceId,
                    taskId: request.taskId, state: outcome.state))
            if request.result.callbacks[outcome.state]?.isEmpty == false { callbacksQueued = true }
        }
        do {
            try await events.publish(published, on: command)
            // Wake the callback sender; without it the sender finds the callbacks within a second.
            if callbacksQueued { try await command.command(["LPUSH", callbacksKey, "1"]) }
        } catch {
            // The scheduler's full pass finds the changes without the events.
            logger.warning(
                "cannot publish finished events", metadata: ["error": "\(error)", "count": "\(published.count)"])
        }
        for (request, outcome) in zip(batch, finished) {
            request.continuation.resume(returning: outcome.map(Recorded.finished) ?? .stale)
        }
    }
}
