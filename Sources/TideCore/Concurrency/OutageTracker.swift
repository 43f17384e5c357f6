/// Turns the failures and successes of calls to one dependency (PostgreSQL, Redis) into one log
/// line when an outage starts and one when it ends, instead of one per failed attempt.
///
/// A failure that comes soon after a recovery is usually the same outage's tail (another
/// connection that was idle finding out the server restarted); it is announced only if it lasts.
public struct OutageTracker: Sendable {
    /// When the current outage began; nil while the dependency answers.
    public private(set) var since: ContinuousClock.Instant?
    /// Failed attempts in the current outage.
    public private(set) var failures = 0
    /// When the last outage ended (or the tracker was made, which a caller may count as one).
    public private(set) var lastRecovery: ContinuousClock.Instant?
    /// Whether the current outage has been announced (logged).
    public private(set) var announced = false
    /// After a recovery, failures within this time are announced only once they last `settle`.
    public var quietPeriod: Duration = .seconds(30)
    public var settle: Duration = .seconds(2)

    /// How an outage ended.
    public struct Recovery: Sendable, Equatable {
        public var duration: Duration
        public var attempts: Int
        /// Whether its start was announced; only then is its end worth a line.
        public var announced: Bool
    }

    public init(startingAfterOutage: Bool = false) {
        lastRecovery = startingAfterOutage ? .now : nil
    }

    /// Records a failed attempt. Returns true once per outage, when it should be logged: at its
    /// first failure, or, right after a recovery, once it has lasted `settle`.
    public mutating func failed(at now: ContinuousClock.Instant = .now) -> Bool {
        failures += 1
        if since == nil { since = now }
        guard !announced, let since else { return false }
        let soonAfterRecovery = lastRecovery.map { since - $0 < quietPeriod } ?? false
        guard !soonAfterRecovery || now - since >= settle else { return false }
        announced = true
        return true
    }

    /// Records a success. Returns how the outage that just ended went; nil when there was none.
    public mutating func succeeded(at now: ContinuousClock.Instant = .now) -> Recovery? {
        guard let since else { return nil }
        let recovery = Recovery(duration: now - since, attempts: failures, announced: announced)
        self.since = nil
        failures = 0
        announced = false
        lastRecovery = now
        return recovery
    }

    /// Back-off before the next attempt: 200 ms per failure so far, at most `cap`.
    public func backoff(cap: Duration = .seconds(5)) -> Duration {
        min(cap, .milliseconds(200 * max(1, failures)))
    }
}
