/// What a worker tells a pod try that is running (sent through ``RunningTries``).
enum PodControl: Sendable, Equatable {
    /// The task instance moved on (cleared, marked, run timed out): delete the pod and end.
    case stop
    /// Leave the pod running and end: another worker has adopted the try, or this one is
    /// shutting down and gives it back for adoption.
    case detach
}
