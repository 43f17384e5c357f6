import Foundation
import TideCore

/// A node of the simulated cluster: its placement facts plus bookkeeping for the autoscaler.
struct SimNodeRecord: Sendable {
    var node: SimNode
    var pool: String
    var createdAt: Date
    var uid: String
    var resourceVersion: Int
    /// Since when no pod has been bound to it (nil while it has pods).
    var emptySince: Date?

    func json() -> JSONValue {
        let cpu = "\(node.cpuMillicores)m"
        let memory = "\(Int64(node.memoryBytes / 1024))Ki"
        let capacity: JSONValue = .object([
            "cpu": .string(cpu), "memory": .string(memory), "pods": .string(String(node.maxPods)),
        ])
        let taints: [JSONValue] = node.taints.map { taint in
            var fields: [String: JSONValue] = ["key": .string(taint.key), "effect": .string(taint.effect)]
            if let value = taint.value { fields["value"] = .string(value) }
            return .object(fields)
        }
        var spec: [String: JSONValue] = ["providerID": .string("tide-sim://\(node.name)")]
        if !taints.isEmpty { spec["taints"] = .array(taints) }
        let now = SimTime.text(createdAt)
        return .object([
            "apiVersion": "v1", "kind": "Node",
            "metadata": .object([
                "name": .string(node.name), "uid": .string(uid), "resourceVersion": .string(String(resourceVersion)),
                "creationTimestamp": .string(now), "labels": .object(node.labels.mapValues(JSONValue.string)),
            ]),
            "spec": .object(spec),
            "status": .object([
                "capacity": capacity, "allocatable": capacity,
                "conditions": .array([
                    .object([
                        "type": "Ready", "status": "True", "reason": "KubeletReady",
                        "message": "kubelet is posting ready status", "lastHeartbeatTime": .string(now),
                        "lastTransitionTime": .string(now),
                    ])
                ]),
                "addresses": .array([
                    .object(["type": "InternalIP", "address": "127.0.0.1"]),
                    .object(["type": "Hostname", "address": .string(node.name)]),
                ]),
                "nodeInfo": .object([
                    "kubeletVersion": "v1.36.0-tide-sim", "kubeProxyVersion": "v1.36.0-tide-sim",
                    "operatingSystem": "linux", "architecture": "amd64", "containerRuntimeVersion": "tide-sim://1",
                    "osImage": "Tide simulated node", "kernelVersion": "", "machineID": "", "systemUUID": "",
                    "bootID": "",
                ]),
            ]),
        ])
    }
}

/// A Kubernetes Event about a pod or node, with Kubernetes' deduplication by reason and message.
struct SimEvent: Sendable {
    var namespace: String
    var name: String
    var uid: String
    var involvedKind: String
    var involvedName: String
    var involvedUID: String
    var type: String
    var reason: String
    var message: String
    var component: String
    var count = 1
    var firstSeen: Date
    var lastSeen: Date
    var resourceVersion: Int

    func json() -> JSONValue {
        .object([
            "apiVersion": "v1", "kind": "Event",
            "metadata": .object([
                "name": .string(name), "namespace": .string(namespace), "uid": .string(uid),
                "resourceVersion": .string(String(resourceVersion)),
                "creationTimestamp": .string(SimTime.text(firstSeen)),
            ]),
            "involvedObject": .object([
                "kind": .string(involvedKind), "name": .string(involvedName), "namespace": .string(namespace),
                "uid": .string(involvedUID), "apiVersion": "v1",
            ]),
            "type": .string(type), "reason": .string(reason), "message": .string(message),
            "source": .object(["component": .string(component)]), "count": .number(Double(count)),
            "firstTimestamp": .string(SimTime.text(firstSeen)), "lastTimestamp": .string(SimTime.text(lastSeen)),
            "reportingComponent": .string(component),
        ])
    }
}
