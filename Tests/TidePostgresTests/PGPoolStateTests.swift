import Testing

@testable import TidePostgres

/// The pool's bookkeeping alone: connections are plain numbers, no socket is opened.
@Suite("Connection pool state")
struct PGPoolStateTests {
    typealias Pool = PGPoolState<Int>

    /// The state machine behind a reference, so that `#expect` can drive it.
    final class Driver {
        var state: Pool
        init(maxConnections: Int) { state = Pool(maxConnections: maxConnections) }
        var open: Int { state.open }
        var waiters: [UInt64] { state.waiters }
        func acquire(_ waiter: UInt64) -> Pool.AcquireAction { state.acquire(waiter) }
        func release(_ connection: Int, healthy: Bool) -> Pool.ReleaseAction {
            state.release(connection, healthy: healthy)
        }
        func openFailed() -> UInt64? { state.openFailed() }
        func cancel(_ waiter: UInt64) -> Bool { state.cancel(waiter) }
        func close() -> (idle: [Int], waiters: [UInt64]) { state.close() }
    }

    @Test func opensUpToTheLimitThenQueuesWaitersInOrder() {
        let pool = Driver(maxConnections: 2)
        #expect(isOpen(pool.acquire(1)))
        #expect(isOpen(pool.acquire(2)))
        #expect(isWait(pool.acquire(3)))
        #expect(isWait(pool.acquire(4)))
        #expect(pool.open == 2)
        #expect(pool.waiters == [3, 4])
        #expect(isHandOver(pool.release(10, healthy: true), 10, to: 3))
        #expect(isHandOver(pool.release(11, healthy: true), 11, to: 4))
        #expect(pool.release(10, healthy: true).isKeptIdle)
        #expect(connection(pool.acquire(5)) == 10, "an idle connection is reused before another is opened")
        #expect(pool.open == 2)
    }

    @Test func aBrokenConnectionsSlotGoesToTheFirstWaiterToOpenItsOwn() {
        let pool = Driver(maxConnections: 1)
        _ = pool.acquire(1)
        #expect(isWait(pool.acquire(2)))
        guard case .close(let broken, let grantee) = pool.release(10, healthy: false) else {
            Issue.record("a broken connection is closed")
            return
        }
        #expect(broken == 10)
        #expect(grantee == 2)
        #expect(pool.open == 1, "the slot is the grantee's now")
        #expect(pool.waiters.isEmpty)
    }

    @Test func aFailedOpenPassesItsSlotOnSoNoWaiterIsStranded() {
        // PostgreSQL is away: every open fails. Each waiter gets its turn to fail on its own.
        let pool = Driver(maxConnections: 1)
        _ = pool.acquire(1)
        _ = pool.acquire(2)
        _ = pool.acquire(3)
        #expect(pool.openFailed() == 2)
        #expect(pool.openFailed() == 3)
        #expect(pool.openFailed() == nil)
        #expect(pool.open == 0)
        #expect(isOpen(pool.acquire(4)), "once the server is back, the next loan opens a connection")
    }

    @Test func aCancelledWaiterLeavesTheQueueAndAGrantedOneIsNotCancelled() {
        let pool = Driver(maxConnections: 1)
        _ = pool.acquire(1)
        _ = pool.acquire(2)
        _ = pool.acquire(3)
        #expect(pool.cancel(2))
        #expect(pool.waiters == [3])
        #expect(isHandOver(pool.release(10, healthy: true), 10, to: 3), "the cancelled waiter is skipped")
        #expect(pool.cancel(3) == false, "already handed a connection: it must use or return it")
        #expect(pool.cancel(99) == false)
    }

    @Test func closingTellsWaitersClosesIdleConnectionsAndRefusesLoans() {
        let pool = Driver(maxConnections: 2)
        _ = pool.acquire(1)
        _ = pool.acquire(2)
        _ = pool.release(10, healthy: true)
        _ = pool.acquire(3)
        #expect(isWait(pool.acquire(4)))
        let closed = pool.close()
        #expect(closed.idle.isEmpty)
        #expect(closed.waiters == [4])
        guard case .close(let returned, let grantee) = pool.release(11, healthy: true) else {
            Issue.record("a connection returned to a closed pool is closed")
            return
        }
        #expect(returned == 11)
        #expect(grantee == nil)
        guard case .granted(.closed) = pool.acquire(5) else {
            Issue.record("a closed pool lends nothing")
            return
        }
        #expect(pool.openFailed() == nil, "a closed pool grants no slot")
    }

    @Test func closingClosesIdleConnections() {
        let pool = Driver(maxConnections: 2)
        _ = pool.acquire(1)
        _ = pool.acquire(2)
        _ = pool.release(10, healthy: true)
        _ = pool.release(11, healthy: true)
        let closed = pool.close()
        #expect(closed.idle.sorted() == [10, 11])
        #expect(pool.open == 0)
    }

    private func isOpen(_ action: Pool.AcquireAction) -> Bool {
        if case .granted(.open) = action { return true }
        return false
    }

    private func isWait(_ action: Pool.AcquireAction) -> Bool {
        if case .wait = action { return true }
        return false
    }

    private func connection(_ action: Pool.AcquireAction) -> Int? {
        if case .granted(.connection(let connection)) = action { return connection }
        return nil
    }

    private func isHandOver(_ action: Pool.ReleaseAction, _ connection: Int, to waiter: UInt64) -> Bool {
        if case .handOver(let handed, let to) = action { return handed == connection && to == waiter }
        return false
    }
}

extension PGPoolState.ReleaseAction {
    fileprivate var isKeptIdle: Bool {
        if case .keptIdle = self { return true }
        return false
    }
}
