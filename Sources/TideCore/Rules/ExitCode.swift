/// How a task process's exit status maps to a task state (Airflow's bash convention).
public enum ExitCodeRule {
    /// The exit code that marks a task skipped.
    public static let skipCode: Int32 = 99

    /// The state a try ends in for a process that exited with `code`.
    public static func state(forExitCode code: Int32) -> TaskState {
        switch code {
        case 0: .success
        case skipCode: .skipped
        default: .failed
        }
    }
}
