/// The bookkeeping of a connection pool as a state machine with no I/O: each event (a loan asked
/// for, a connection given back, an open that failed, a waiter cancelled, the pool closed) returns
/// what the pool must do. ``PGPool`` performs the actions; tests drive this alone, without sockets.
///
/// A waiter is never stranded: a slot freed by a broken connection or a failed open is granted to
/// the first waiter as the right to open a connection itself, so every waiter ends with a
/// connection, an error of its own open, a cancellation or the pool's closing.
struct PGPoolState<Connection> {
    typealias WaiterID = UInt64

    /// What a waiter (or an asker served at once) is given.
    enum Grant {
        /// An idle connection to use.
        case connection(Connection)
        /// A free slot: open a connection, then report ``openFailed()`` if that fails.
        case open
        /// The pool was closed.
        case closed
    }

    /// What to do for a loan asked for.
    enum AcquireAction {
        case granted(Grant)
        /// Wait: the grant comes later, to this waiter.
        case wait
    }

    /// What to do with a connection given back.
    enum ReleaseAction {
        /// Kept idle for the next loan.
        case keptIdle
        /// Hand it to this waiter.
        case handOver(Connection, to: WaiterID)
        /// Close it (broken, or the pool is closed); `grantOpenTo` may open a fresh one in its place.
        case close(Connection, grantOpenTo: WaiterID?)
    }

    let maxConnections: Int
    private(set) var idle: [Connection] = []
    /// Connections lent out, idle or being opened.
    private(set) var open = 0
    private(set) var waiters: [WaiterID] = []
    private(set) var isClosed = false

    init(maxConnections: Int) {
        self.maxConnections = max(1, maxConnections)
    }

    mutating func acquire(_ waiter: WaiterID) -> AcquireAction {
        guard !isClosed else { return .granted(.closed) }
        if let connection = idle.popLast() { return .granted(.connection(connection)) }
        if open < maxConnections {
            open += 1
            return .granted(.open)
        }
        waiters.append(waiter)
        return .wait
    }

    /// An open (granted by ``Grant/open``) failed: its slot is free again, for the next waiter.
    mutating func openFailed() -> WaiterID? {
        open -= 1
        return grantSlotToWaiter()
    }

    mutating func release(_ connection: Connection, healthy: Bool) -> ReleaseAction {
        guard healthy, !isClosed else {
            open -= 1
            return .close(connection, grantOpenTo: grantSlotToWaiter())
        }
        if waiters.isEmpty {
            idle.append(connection)
            return .keptIdle
        }
        return .handOver(connection, to: waiters.removeFirst())
    }

    /// A waiter gave up (its task was cancelled). Returns false when it was already granted
    /// something (the grant is on its way and must be honoured or given back).
    mutating func cancel(_ waiter: WaiterID) -> Bool {
        guard let index = waiters.firstIndex(of: waiter) else { return false }
        waiters.remove(at: index)
        return true
    }

    /// Closes the pool: the idle connections to close and the waiters to tell.
    mutating func close() -> (idle: [Connection], waiters: [WaiterID]) {
        isClosed = true
        defer {
            open -= idle.count
            idle.removeAll()
            waiters.removeAll()
        }
        return (idle, waiters)
    }

    private mutating func grantSlotToWaiter() -> WaiterID? {
        guard !isClosed, !waiters.isEmpty, open < maxConnections else { return nil }
        open += 1
        return waiters.removeFirst()
    }
}
