/// Turns the failures and successes of calls to one dependency (PostgreSQL, Redis) into one log
/// line when an outage starts and one when it ends, instead of one per failed attempt.
public struct OutageTracker: Sendable {
    /// When the current outage began; nil while the dependency answers.
    public private(set) var since: ContinuousClock.Instant?
    /// Failed attempts in the current outage.
    public private(set) var failures = 0
    /// When the last outage ended (or the tracker was made, which a caller may count as one).
    public private(set) var lastRecovery: ContinuousClock.Instant?

    public init(startingAfterOutage: Bool = false) {
        lastRecovery = startingAfterOutage ? .now : nil
    }

    /// Records a failed attempt. Returns true for the first one of an outage: log that one.
    public mutating func failed(at now: ContinuousClock.Instant = .now) -> Bool {
        failures += 1
        guard since == nil else { return false }
        since = now
        return true
    }

    /// Records a success. Returns how long the outage that just ended lasted, and its failed
    /// attempts; nil when there was none.
    public mutating func succeeded(at now: ContinuousClock.Instant = .now) -> (duration: Duration, attempts: Int)? {
        guard let since else { return nil }
        let ended = (now - since, failures)
        self.since = nil
        failures = 0
        lastRecovery = now
        return ended
    }

    /// Back-off before the next attempt: 200 ms per failure so far, at most `cap`.
    public func backoff(cap: Duration = .seconds(5)) -> Duration {
        min(cap, .milliseconds(200 * max(1, failures)))
    }
}
