import CLibPQ
import Foundation
import TideBlocking

/// Cancels one connection's statement in flight: libpq's `PQcancel` is safe to call from any
/// thread, and blocks (it connects to the server), so requests are sent from a thread shared by
/// all connections, never from the cooperative pool.
///
/// Each call on the connection gets a number; a request names the call it is for and is sent only
/// while that call still runs. The connection thread marks a call finished under the same lock, so
/// a request never outlives its call by more than the network hop to the server.
final class StatementCanceller: @unchecked Sendable {
    /// SQLSTATE of a statement cancelled on request.
    static let queryCanceled = "57014"

    private static let sender = BlockingThread(name: "tide-pg-cancel")

    // Invariant: every field is touched only while holding `lock`.
    private let lock = NSLock()
    private var cancel: OpaquePointer?
    private var running: UInt64?
    private var issued: UInt64 = 0
    private var lastFinished: UInt64 = 0
    /// A call cancelled before it started: it does not start.
    private var cancelledEarly: UInt64?

    deinit {
        if let cancel { PQfreeCancel(cancel) }
    }

    /// Takes the cancel key of the connection's current server process (nil after close).
    /// Called on the connection's thread.
    func replace(with handle: OpaquePointer?) {
        lock.lock()
        defer { lock.unlock() }
        if let cancel { PQfreeCancel(cancel) }
        cancel = handle.flatMap { PQgetCancel($0) }
    }

    /// A number for the next call.
    func nextCall() -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        issued += 1
        return issued
    }

    /// Called on the connection's thread when `call` starts. Returns false when it was
    /// cancelled before it started: it must not run.
    func started(_ call: UInt64) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard cancelledEarly != call else { return false }
        running = call
        return true
    }

    /// Called on the connection's thread when `call` has finished (waits for a request being sent).
    func finished(_ call: UInt64) {
        lock.lock()
        if running == call { running = nil }
        lastFinished = max(lastFinished, call)
        lock.unlock()
    }

    /// Asks the server to cancel `call`'s statement if it runs; a call that has not started yet
    /// will not start.
    func cancel(_ call: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        guard running == call else {
            if call > lastFinished { cancelledEarly = call }
            return
        }
        Self.sender.submit { [self] in
            lock.lock()
            defer { lock.unlock() }
            // Only while that call still runs: a request must not cancel the next statement.
            guard running == call, let cancel else { return }
            var buffer = [CChar](repeating: 0, count: 256)
            _ = PQcancel(cancel, &buffer, Int32(buffer.count))
        }
    }
}
