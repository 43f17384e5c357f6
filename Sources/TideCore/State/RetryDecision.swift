/// What a finished try leaves its task instance in: the retry rule, written once.
///
/// The worker's own result and the rescue of a dead worker's try both go through
/// ``decide(outcome:tryNumber:maxTries:delaySeconds:)``; the store only writes the decision.
public enum RetryDecision: Sendable, Hashable {
    /// The task instance is done with this state (`success`, `skipped` or `failed`).
    case finish(TaskState)
    /// `up_for_retry`, due after `afterSeconds`; with `extraTry`, the try does not count against
    /// `retries` (the task gets one more try).
    case retry(afterSeconds: Double, extraTry: Bool)
    /// `up_for_reschedule`: a sensor checks again after `afterSeconds`, in a try that does not count
    /// against `retries`.
    case reschedule(afterSeconds: Double)

    /// Decides the next state of a try that ended with `outcome`.
    /// - Parameters:
    ///   - tryNumber: the try that ended (1-based).
    ///   - maxTries: tries the task instance may have (`retries + 1`, raised by clears and hand-backs).
    ///   - delaySeconds: the retry delay for this try (``RetryPolicy/delaySeconds(for:dagId:logicalDate:tryNumber:)``);
    ///     for `rescheduled`, the sensor's next interval (``SensorTiming``).
    public static func decide(outcome: TryOutcome, tryNumber: Int, maxTries: Int, delaySeconds: Double)
        -> RetryDecision
    {
        switch outcome {
        case .success: .finish(.success)
        case .skipped: .finish(.skipped)
        case .failed:
            tryNumber < maxTries ? .retry(afterSeconds: max(0, delaySeconds), extraTry: false) : .finish(.failed)
        case .handedBack: .retry(afterSeconds: 0, extraTry: true)
        case .rescheduled: .reschedule(afterSeconds: max(0, delaySeconds))
        case .sensorTimedOut: .finish(.failed)
        }
    }

    /// The state the task instance moves to.
    public var state: TaskState {
        switch self {
        case .finish(let state): state
        case .retry: .upForRetry
        case .reschedule: .upForReschedule
        }
    }

    /// Seconds until the retry (or the sensor's next check) is due.
    public var retryAfterSeconds: Double? {
        switch self {
        case .retry(let seconds, _), .reschedule(let seconds): seconds
        case .finish: nil
        }
    }

    /// Whether the task gets one more try than before.
    public var extraTry: Bool {
        switch self {
        case .retry(_, let extra): extra
        case .reschedule: true
        case .finish: false
        }
    }
}
