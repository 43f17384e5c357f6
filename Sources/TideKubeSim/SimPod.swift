import Foundation
import TideCore

/// A pod in the simulated cluster: the manifest it was created with plus the status the
/// simulated scheduler and kubelet give it.
struct SimPod: Sendable {
    enum ContainerState: Sendable, Equatable {
        case waiting(reason: String, message: String?)
        case running(startedAt: Date)
        case terminated(exitCode: Int32, reason: String, startedAt: Date?, finishedAt: Date)
    }

    var namespace: String
    var name: String
    var uid: String
    var createdAt: Date
    var resourceVersion = 0
    /// `metadata` and `spec` as created (labels and annotations may be patched).
    var metadata: [String: JSONValue]
    var spec: [String: JSONValue]
    /// What the main container left at its `terminationMessagePath`, once it ended.
    var terminationMessage: String? = nil
    var requirements: PodRequirements
    var nodeName: String?
    var startTime: Date?
    var container: ContainerState = .waiting(reason: "ContainerCreating", message: nil)
    /// The init containers that have started, in order.
    var initStatuses: [(name: String, state: ContainerState)] = []
    /// Why the scheduler cannot place it, while that is so.
    var unschedulableMessage: String?
    var log: [UInt8] = []
    var processGroup: pid_t?

    var key: String { "\(namespace)/\(name)" }

    var labels: [String: String] {
        metadata["labels"]?.object?.compactMapValues(\.string) ?? [:]
    }

    var containerName: String {
        spec["containers"]?.array?.first?["name"]?.string ?? "base"
    }

    /// The init container that failed, if one did: the pod failed with it.
    var failedInit: (name: String, exitCode: Int32, reason: String)? {
        for status in initStatuses {
            if case .terminated(let code, let reason, _, _) = status.state, code != 0 {
                return (status.name, code, reason)
            }
        }
        return nil
    }

    /// Whether every init container has succeeded (true without any).
    var isInitialized: Bool {
        let count = spec["initContainers"]?.array?.count ?? 0
        let succeeded = initStatuses.filter {
            if case .terminated(0, _, _, _) = $0.state { return true }
            return false
        }
        return succeeded.count == count
    }

    var phase: String {
        if failedInit != nil { return "Failed" }
        return switch container {
        case .terminated(let code, _, _, _): code == 0 ? "Succeeded" : "Failed"
        case .running: "Running"
        case .waiting: "Pending"
        }
    }

    var isFinished: Bool {
        if case .terminated = container { return true }
        return failedInit != nil
    }

    var hasStarted: Bool {
        if case .waiting = container { return false }
        return true
    }

    /// The pod as the API returns it.
    func json() -> JSONValue {
        var meta = metadata
        meta["name"] = .string(name)
        meta["namespace"] = .string(namespace)
        meta["uid"] = .string(uid)
        meta["resourceVersion"] = .string(String(resourceVersion))
        meta["creationTimestamp"] = .string(SimTime.text(createdAt))
        var fullSpec = spec
        if let nodeName { fullSpec["nodeName"] = .string(nodeName) }
        var status: [String: JSONValue] = ["phase": .string(phase), "qosClass": "BestEffort"]
        if let startTime { status["startTime"] = .string(SimTime.text(startTime)) }
        var conditions: [JSONValue] = []
        if let message = unschedulableMessage, nodeName == nil {
            conditions.append(
                .object([
                    "type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": .string(message),
                ]))
        } else if nodeName != nil {
            conditions.append(.object(["type": "PodScheduled", "status": "True"]))
            let ready: JSONValue = if case .running = container { "True" } else { "False" }
            conditions.append(.object(["type": "Ready", "status": ready]))
        }
        status["conditions"] = .array(conditions)
        if nodeName != nil {
            status["hostIP"] = "127.0.0.1"
            status["podIP"] = "127.0.0.1"
            status["containerStatuses"] = .array([containerStatus()])
            if !initStatuses.isEmpty {
                status["initContainerStatuses"] = .array(
                    initStatuses.map { Self.status(name: $0.name, image: "", state: $0.state, uid: uid) })
            }
        }
        return .object([
            "apiVersion": "v1", "kind": "Pod", "metadata": .object(meta), "spec": .object(fullSpec),
            "status": .object(status),
        ])
    }

    private func containerStatus() -> JSONValue {
        Self.status(
            name: containerName, image: spec["containers"]?.array?.first?["image"]?.string ?? "", state: container,
            uid: uid, terminationMessage: terminationMessage)
    }

    private static func status(
        name: String, image: String, state: ContainerState, uid: String, terminationMessage: String? = nil
    ) -> JSONValue {
        var fields: [String: JSONValue] = [
            "name": .string(name), "image": .string(image), "imageID": "", "restartCount": .number(0),
        ]
        switch state {
        case .waiting(let reason, let message):
            var waiting: [String: JSONValue] = ["reason": .string(reason)]
            if let message { waiting["message"] = .string(message) }
            fields["state"] = .object(["waiting": .object(waiting)])
            fields["ready"] = .bool(false)
            fields["started"] = .bool(false)
        case .running(let startedAt):
            fields["state"] = .object(["running": .object(["startedAt": .string(SimTime.text(startedAt))])])
            fields["ready"] = .bool(true)
            fields["started"] = .bool(true)
            fields["containerID"] = .string("sim://\(uid)")
        case .terminated(let code, let reason, let startedAt, let finishedAt):
            var terminated: [String: JSONValue] = [
                "exitCode": .number(Double(code)), "reason": .string(reason),
                "finishedAt": .string(SimTime.text(finishedAt)),
            ]
            if let startedAt { terminated["startedAt"] = .string(SimTime.text(startedAt)) }
            if let message = terminationMessage { terminated["message"] = .string(message) }
            fields["state"] = .object(["terminated": .object(terminated)])
            fields["ready"] = .bool(false)
            fields["started"] = .bool(false)
            fields["containerID"] = .string("sim://\(uid)")
        }
        return .object(fields)
    }
}

/// RFC 3339 timestamps as the API writes them.
enum SimTime {
    static func text(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: false))
    }
}
