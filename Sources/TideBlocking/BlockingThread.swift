import Foundation

/// A dedicated OS thread that runs blocking C calls one at a time, off the Swift cooperative pool.
///
/// hiredis, libpq and libcurl handles are blocking and must be used by one thread at a time. Each
/// connection owns one `BlockingThread`, which gives both guarantees: jobs run serially, in order,
/// on a thread that is not one of the (on this machine, two) cooperative-pool threads.
///
/// The thread lives until ``shutdown()``; owners call it when they close.
public final class BlockingThread: @unchecked Sendable {
    /// Thrown by ``run(_:)`` after ``shutdown()``.
    public struct StoppedError: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "blocking thread '\(name)' has been shut down" }
    }

    private let name: String
    // Invariant: `jobs` and `stopped` are only touched while holding `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var stopped = false

    /// Starts the thread.
    /// - Parameter name: the thread name shown in debuggers and `top -H`.
    public init(name: String) {
        self.name = name
        let thread = Thread { [self] in self.loop() }
        thread.name = name
        thread.start()
    }

    /// Runs `body` on this thread and returns its result to the awaiting task.
    /// - Throws: whatever `body` throws, or ``StoppedError`` after ``shutdown()``.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = submit { continuation.resume(with: Result { try body() }) }
            if !accepted { continuation.resume(throwing: StoppedError(name: name)) }
        }
    }

    /// Enqueues `job` without waiting for it. Returns false if the thread was shut down.
    @discardableResult
    public func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Stops the thread after the jobs already enqueued have run.
    public func shutdown() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty && stopped {
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job() }
        }
    }
}
