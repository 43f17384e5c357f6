import Foundation
import TideCore

/// What Tide reads from a Pod object: identity, phase, and the state of its main container.
public struct PodStatus: Sendable, Hashable {
    /// The state of one container.
    public enum ContainerState: Sendable, Hashable {
        /// Not started: `ContainerCreating`, `ErrImagePull`, `ImagePullBackOff`, …
        case waiting(reason: String, message: String?)
        case running
        case terminated(exitCode: Int, reason: String?, message: String?)
    }

    public var namespace: String
    public var name: String
    public var uid: String
    public var resourceVersion: String
    /// `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`.
    public var phase: String
    public var labels: [String: String]
    public var createdAt: Date?
    public var nodeName: String?
    /// The main container's state; nil before the kubelet reports it.
    public var container: ContainerState?
    /// Why the pod is not scheduled (the `PodScheduled=False` condition's message).
    public var unschedulableMessage: String?
    /// Set once deletion has begun.
    public var deleting: Bool
    /// Why the pod as a whole failed, when Kubernetes says (`Evicted`, `DeadlineExceeded`, …), with its message.
    public var failureReason: String?

    /// Reads a Pod object; nil when it is not one.
    /// - Parameter containerName: the container whose state counts (the first one when absent).
    public init?(_ object: JSONValue, containerName: String = PodSpecBuilder.containerName) {
        guard let metadata = object["metadata"], let name = metadata["name"]?.string else { return nil }
        self.name = name
        namespace = metadata["namespace"]?.string ?? "default"
        uid = metadata["uid"]?.string ?? ""
        resourceVersion = metadata["resourceVersion"]?.string ?? ""
        labels = metadata["labels"]?.object?.compactMapValues(\.string) ?? [:]
        createdAt = metadata["creationTimestamp"]?.string.flatMap { try? Date($0, strategy: .iso8601) }
        deleting = metadata["deletionTimestamp"]?.string != nil
        nodeName = object[path: "spec", "nodeName"]?.string
        let status = object["status"]
        phase = status?["phase"]?.string ?? "Pending"
        failureReason =
            status?["reason"]?.string.map { reason in
                status?["message"]?.string.map { "\(reason): \($0)" } ?? reason
            } ?? Self.failedInitContainer(status?["initContainerStatuses"]?.array ?? [])
        unschedulableMessage =
            status?["conditions"]?.array?.first { condition in
                condition["type"]?.string == "PodScheduled" && condition["status"]?.string == "False"
            }?["message"]?.string
        let statuses = status?["containerStatuses"]?.array ?? []
        let main = statuses.first { $0["name"]?.string == containerName } ?? statuses.first
        container = main.flatMap { Self.containerState($0["state"]) }
    }

    /// `init container 'fetch' failed: exit code 3 (Error)` for the first init container that
    /// ended with a non-zero code (with `restartPolicy: Never` it fails the pod).
    private static func failedInitContainer(_ statuses: [JSONValue]) -> String? {
        for status in statuses {
            guard case .terminated(let code, let reason, _)? = containerState(status["state"]), code != 0 else {
                continue
            }
            let name = status["name"]?.string ?? "?"
            return "init container '\(name)' failed: exit code \(code)\(reason.map { " (\($0))" } ?? "")"
        }
        return nil
    }

    private static func containerState(_ state: JSONValue?) -> ContainerState? {
        if let waiting = state?["waiting"] {
            return .waiting(reason: waiting["reason"]?.string ?? "Waiting", message: waiting["message"]?.string)
        }
        if state?["running"] != nil { return .running }
        if let terminated = state?["terminated"] {
            let code: Int
            if case .number(let value)? = terminated["exitCode"] { code = Int(value) } else { code = -1 }
            return .terminated(
                exitCode: code, reason: terminated["reason"]?.string, message: terminated["message"]?.string)
        }
        return nil
    }

    /// The pod has ended (`Succeeded` or `Failed`).
    public var isFinished: Bool { phase == "Succeeded" || phase == "Failed" }

    /// The main container has started, so it has logs to read.
    public var hasStarted: Bool {
        switch container {
        case .running, .terminated: true
        case .waiting, nil: false
        }
    }
}

extension PodStatus {
    /// Why the pod is not running yet, as `kubectl describe` would say: not scheduled (with the
    /// scheduler's message, e.g. a node pool scaling up), or the container's waiting reason
    /// (`ContainerCreating`, `ImagePullBackOff`, …); nil once it runs.
    public var waitingReason: String? {
        if nodeName == nil {
            return unschedulableMessage.map { "Unschedulable: \($0)" } ?? (phase == "Pending" ? "Pending" : nil)
        }
        if case .waiting(let reason, let message)? = container {
            return message.map { "\(reason): \($0)" } ?? reason
        }
        return nil
    }
}
