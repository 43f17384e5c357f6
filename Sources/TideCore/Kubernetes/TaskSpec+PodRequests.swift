/// The cpu and memory a pod asks the Kubernetes scheduler for.
public struct PodRequests: Sendable, Hashable, Codable {
    public var cpuMillicores: Int64
    public var memoryBytes: Double

    public init(cpuMillicores: Int64 = 0, memoryBytes: Double = 0) {
        self.cpuMillicores = cpuMillicores
        self.memoryBytes = memoryBytes
    }

    public static func + (lhs: PodRequests, rhs: PodRequests) -> PodRequests {
        PodRequests(
            cpuMillicores: lhs.cpuMillicores + rhs.cpuMillicores, memoryBytes: lhs.memoryBytes + rhs.memoryBytes)
    }

    public static func * (lhs: PodRequests, count: Int) -> PodRequests {
        PodRequests(cpuMillicores: lhs.cpuMillicores * Int64(count), memoryBytes: lhs.memoryBytes * Double(count))
    }
}

extension TaskSpec {
    /// What the task's pod requests: its own resources over its node pool's defaults over the
    /// site's `pod_defaults`, with a limit standing in for a missing request as Kubernetes does.
    /// Nil for a task that runs no pod.
    public func podRequests(pool: NodePool?, defaults: PodDefaults = PodDefaults()) -> PodRequests? {
        let own: [String: [String: String]]
        if case .kubernetesPod(let pod) = kind {
            own = pod.resources
        } else if runsInPod {
            own = [:]
        } else {
            return nil
        }
        let merged = PodSpecBuilder.mergedResources(
            PodSpecBuilder.mergedResources(defaults.resources, pool?.defaultResources ?? [:]), own)
        let requests = (merged["limits"] ?? [:]).merging(merged["requests"] ?? [:]) { _, request in request }
        return PodRequests(
            cpuMillicores: requests["cpu"].flatMap(Quantity.millicores) ?? 0,
            memoryBytes: requests["memory"].flatMap(Quantity.value) ?? 0)
    }
}
