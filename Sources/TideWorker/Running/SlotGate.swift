import TideCore

/// The worker's `concurrency` slots: how many tries are in flight, and a wait for that number to
/// change (a slot freed, or the last try of a drain ended).
final class SlotGate: Sendable {
    private struct State {
        var inUse = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    let capacity: Int
    private let state = LockedBox(State())

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Tries in flight.
    var inUse: Int { state.value.inUse }

    /// Slots free now.
    var free: Int { capacity - inUse }

    /// Takes `count` slots (the caller took no more than ``free``).
    func take(_ count: Int) {
        state.mutate { $0.inUse += count }
    }

    /// Frees one slot and wakes whoever waits.
    func release() {
        state.mutate { $0.inUse -= 1 }
        wakeWaiters()
    }

    /// Wakes whoever waits, so that they look at their condition again (a drain began).
    func wakeWaiters() {
        let waiters = state.mutate { state -> [CheckedContinuation<Void, Never>] in
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once `condition` holds for the number of slots in use.
    func wait(until condition: @escaping @Sendable (Int) -> Bool) async {
        while !condition(inUse) {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.mutate { state -> Bool in
                    if condition(state.inUse) { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }
}
