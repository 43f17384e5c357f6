import TideCore

/// A node as the simulated scheduler sees it.
struct SimNode: Sendable, Hashable {
    var name: String
    var labels: [String: String]
    var taints: [NodePool.Taint]
    /// Allocatable cpu (millicores), memory (bytes) and pod count.
    var cpuMillicores: Int64
    var memoryBytes: Double
    var maxPods: Int
}

/// What a pod asks of a node: read from its manifest.
struct PodRequirements: Sendable, Hashable {
    var nodeSelector: [String: String] = [:]
    /// Required node affinity: terms are ORed, expressions within a term ANDed.
    var affinityTerms: [[JSONValue]] = []
    var tolerations: [JSONValue] = []
    var cpuMillicores: Int64 = 0
    var memoryBytes: Double = 0
    var spreadConstraints: [SpreadConstraint] = []
    /// The node ports the pod's containers take (`ports[].hostPort`).
    var hostPorts: Set<HostPort> = []

    /// Reads the scheduling-relevant parts of a Pod manifest.
    init(pod: JSONValue) {
        guard case .object(let root) = pod, case .object(let spec)? = root["spec"] else { return }
        if case .object(let selector)? = spec["nodeSelector"] {
            for (key, value) in selector { if case .string(let text) = value { nodeSelector[key] = text } }
        }
        if case .array(let items)? = spec["tolerations"] { tolerations = items }
        if case .object(let affinity)? = spec["affinity"], case .object(let node)? = affinity["nodeAffinity"],
            case .object(let required)? = node["requiredDuringSchedulingIgnoredDuringExecution"],
            case .array(let terms)? = required["nodeSelectorTerms"]
        {
            affinityTerms = terms.map { term in
                if case .object(let fields) = term, case .array(let expressions)? = fields["matchExpressions"] {
                    return expressions
                }
                return []
            }
        }
        if case .array(let items)? = spec["topologySpreadConstraints"] {
            spreadConstraints = items.compactMap(SpreadConstraint.init)
        }
        if case .array(let containers)? = spec["containers"] {
            for container in containers {
                for port in container["ports"]?.array ?? [] {
                    guard case .number(let number)? = port["hostPort"], number > 0 else { continue }
                    hostPorts.insert(HostPort(port: Int(number), protocol: port["protocol"]?.string ?? "TCP"))
                }
                guard case .object(let fields) = container, case .object(let resources)? = fields["resources"]
                else { continue }
                // A limit without a request is the request, as the API server defaults it.
                var requests: [String: JSONValue] = [:]
                if case .object(let limits)? = resources["limits"] { requests = limits }
                if case .object(let own)? = resources["requests"] { requests.merge(own) { _, request in request } }
                if case .string(let cpu)? = requests["cpu"] { cpuMillicores += Quantity.millicores(cpu) ?? 0 }
                if case .string(let memory)? = requests["memory"] { memoryBytes += Quantity.value(memory) ?? 0 }
            }
        }
    }
}

/// A port of the node a container takes (`hostPort`): two pods cannot share one on a node.
struct HostPort: Sendable, Hashable {
    var port: Int
    var `protocol`: String
}

/// What a node's unfinished pods take of it.
struct NodeUsage: Sendable, Hashable {
    var cpu: Int64 = 0
    var memory: Double = 0
    var pods = 0
    var hostPorts: Set<HostPort> = []

    mutating func add(_ pod: PodRequirements) {
        cpu += pod.cpuMillicores
        memory += pod.memoryBytes
        pods += 1
        hostPorts.formUnion(pod.hostPorts)
    }
}

/// Why a pod does not fit a node, worded like the real scheduler's FailedScheduling reasons.
enum Misfit: Hashable, Sendable {
    case nodeSelector
    case nodeAffinity
    case untoleratedTaint(String)
    case insufficientCPU
    case insufficientMemory
    case tooManyPods
    case topologySpread
    case hostPorts

    var reason: String {
        switch self {
        case .nodeSelector, .nodeAffinity: "node(s) didn't match Pod's node affinity/selector"
        case .untoleratedTaint(let taint): "node(s) had untolerated taint {\(taint)}"
        case .insufficientCPU: "Insufficient cpu"
        case .insufficientMemory: "Insufficient memory"
        case .tooManyPods: "Too many pods"
        case .topologySpread: "node(s) didn't match pod topology spread constraints"
        case .hostPorts: "node(s) didn't have free ports for the requested pod ports"
        }
    }
}

/// The simulated scheduler's predicates: does a pod fit a node, given what already runs there.
enum Placement {
    /// The first reason the pod cannot go to `node`, or nil when it fits.
    static func misfit(_ pod: PodRequirements, on node: SimNode, used: NodeUsage) -> Misfit? {
        if let placement = placementMisfit(pod, on: node) { return placement }
        for taint in node.taints where taint.effect != "PreferNoSchedule" {
            if !pod.tolerations.contains(where: { tolerates($0, taint) }) {
                return .untoleratedTaint("\(taint.key): \(taint.value ?? "")")
            }
        }
        if used.pods + 1 > node.maxPods { return .tooManyPods }
        if used.cpu + pod.cpuMillicores > node.cpuMillicores { return .insufficientCPU }
        if used.memory + pod.memoryBytes > node.memoryBytes { return .insufficientMemory }
        if !used.hostPorts.isDisjoint(with: pod.hostPorts) { return .hostPorts }
        return nil
    }

    /// Whether the node's labels break the pod's node selector or required node affinity.
    static func placementMisfit(_ pod: PodRequirements, on node: SimNode) -> Misfit? {
        for (key, value) in pod.nodeSelector where node.labels[key] != value { return .nodeSelector }
        if !pod.affinityTerms.isEmpty,
            !pod.affinityTerms.contains(where: { term in term.allSatisfy { matches($0, node.labels) } })
        {
            return .nodeAffinity
        }
        return nil
    }

    /// A node-selector requirement (`In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`, `Lt`) against labels.
    static func matches(_ expression: JSONValue, _ labels: [String: String]) -> Bool {
        guard case .object(let fields) = expression, case .string(let key)? = fields["key"],
            case .string(let op)? = fields["operator"]
        else { return false }
        var values: [String] = []
        if case .array(let items)? = fields["values"] {
            values = items.compactMap { if case .string(let text) = $0 { return text } else { return nil } }
        }
        let label = labels[key]
        switch op {
        case "In": return label.map(values.contains) ?? false
        case "NotIn": return label.map { !values.contains($0) } ?? true
        case "Exists": return label != nil
        case "DoesNotExist": return label == nil
        case "Gt", "Lt":
            guard let label, let number = Int(label), let bound = values.first.flatMap({ Int($0) }) else {
                return false
            }
            return op == "Gt" ? number > bound : number < bound
        default: return false
        }
    }

    /// Whether a toleration (`Equal` or `Exists`, optional effect) tolerates a taint.
    static func tolerates(_ toleration: JSONValue, _ taint: NodePool.Taint) -> Bool {
        guard case .object(let fields) = toleration else { return false }
        let op: String = { if case .string(let text)? = fields["operator"] { return text } else { return "Equal" } }()
        if case .string(let effect)? = fields["effect"], !effect.isEmpty, effect != taint.effect { return false }
        let key: String? = { if case .string(let text)? = fields["key"] { return text } else { return nil } }()
        if op == "Exists" { return key == nil || key == taint.key }
        guard key == taint.key else { return false }
        let value: String? = { if case .string(let text)? = fields["value"] { return text } else { return nil } }()
        return (value ?? "") == (taint.value ?? "")
    }
}
