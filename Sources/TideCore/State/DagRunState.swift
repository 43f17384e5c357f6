/// The state of a DAG run.
public enum DagRunState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Triggered; the scheduler has not created its task instances yet.
    case queued
    /// Task instances exist and at least one is not finished.
    case running
    /// Every task finished and none failed.
    case success
    /// Every task finished and at least one failed or was upstream_failed.
    case failed

    public var isFinished: Bool { self == .success || self == .failed }
}
