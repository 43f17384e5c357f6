import Foundation

/// When a sensor checks next, or gives up: Airflow's rules (`BaseSensorOperator.execute` and
/// `_get_next_poke_interval`), as a pure function.
public enum SensorTiming {
    /// What follows a check whose condition did not hold.
    public enum Next: Sendable, Hashable {
        /// Check again after this many seconds.
        case checkAgain(afterSeconds: Double)
        /// The timeout passed: fail (or skip with `soft_fail`), without a retry.
        case timedOut
    }

    /// - Parameters:
    ///   - pokeCount: checks made so far, this one included (1-based).
    ///   - elapsedSeconds: since the first check (in reschedule mode, across its tries).
    ///   - key: a stable text that spreads the jitter of many sensors (DAG, task, logical date).
    public static func next(after sensor: SensorTask, pokeCount: Int, elapsedSeconds: Double, key: String) -> Next {
        guard elapsedSeconds <= sensor.timeoutSeconds else { return .timedOut }
        guard sensor.exponentialBackoff else { return .checkAgain(afterSeconds: sensor.pokeIntervalSeconds) }
        // As Airflow: at least the interval · 2^(count − 2), plus a jitter below that, never past
        // the timeout, and at most max_wait.
        let exponent = Double(max(-1, min(pokeCount - 2, 60)))
        let minimum = max(1, (sensor.pokeIntervalSeconds * pow(2, exponent)).rounded(.down))
        let jitter =
            minimum < Double(UInt64.max) ? Double(RetryPolicy.fnv1a("\(key)#\(pokeCount)") % UInt64(minimum)) : 0
        var interval = min(minimum + jitter, sensor.timeoutSeconds - elapsedSeconds.rounded(.down))
        if let maxWait = sensor.maxWaitSeconds { interval = min(maxWait, interval) }
        return .checkAgain(afterSeconds: max(0, interval))
    }
}
