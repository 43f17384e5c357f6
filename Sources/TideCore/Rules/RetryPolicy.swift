import Foundation

/// How long a failed try waits before the next one (Airflow 2's rules).
public enum RetryPolicy {
    /// Seconds to wait after try `tryNumber` (1-based) of `task` failed.
    ///
    /// Without back-off this is `retry_delay`. With `retry_exponential_backoff` it is
    /// `retry_delay · 2^(try−1)` (at least one second) plus a deterministic jitter below that amount,
    /// derived from the DAG, task, logical date and try (so retries of many tasks spread out, and a
    /// given try always waits the same), capped by `max_retry_delay`.
    public static func delaySeconds(for task: TaskSpec, dagId: String, logicalDate: Date, tryNumber: Int) -> Double {
        guard task.retryExponentialBackoff else { return task.retryDelaySeconds }
        let exponent = Double(max(0, min(tryNumber - 1, 60)))
        let base = max(1, (task.retryDelaySeconds * pow(2, exponent)).rounded(.up))
        let key = "\(dagId)#\(task.taskId)#\(Int64(logicalDate.timeIntervalSince1970))#\(tryNumber)"
        let jitter = base < Double(UInt64.max) ? Double(fnv1a(key) % UInt64(base)) : 0
        let delay = base + jitter
        return task.maxRetryDelaySeconds.map { min($0, delay) } ?? delay
    }

    /// FNV-1a, 64-bit: a stable hash (Swift's `Hasher` is seeded per process).
    public static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
