/// How a try ended, as its worker (or the rescue of a dead worker's try) reports it.
public enum TryOutcome: String, Sendable, Hashable, CaseIterable {
    /// Exit 0, or an `empty` task.
    case success
    /// Exit 99 (or a pod's `skip_on_exit_code`).
    case skipped
    /// Any other exit, a timeout, a launch failure, or a worker lost while running it: retried
    /// while tries remain, after the task's retry delay.
    case failed
    /// Interrupted by a worker's shutdown: retried at once, without using up one of the retries.
    case handedBack = "handed_back"
    /// A sensor's condition does not hold yet (reschedule mode): checked again by a later try
    /// after the sensor's interval, without using up one of the retries.
    case rescheduled = "up_for_reschedule"
    /// A sensor's timeout passed: failed without a retry (Airflow's `AirflowSensorTimeout`).
    case sensorTimedOut = "sensor_timeout"

    /// The task-instance state a try that ended so stands for (its log row's state is the outcome).
    public var taskState: TaskState {
        switch self {
        case .success: .success
        case .skipped: .skipped
        case .failed, .sensorTimedOut: .failed
        case .handedBack: .upForRetry
        case .rescheduled: .upForReschedule
        }
    }
}
