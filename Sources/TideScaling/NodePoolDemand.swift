import TideCore

/// The pod tasks bound for one node pool.
public struct NodePoolDemand: Sendable, Hashable {
    public var pool: String
    /// Pod tasks ready or queued whose pod is not running yet.
    public var pendingPods: Int
    /// Pod tasks whose try is running.
    public var runningPods: Int
    /// Summed requests of all those pods.
    public var requests: PodRequests
    /// One node's allocatable resources; nil gives no node hint.
    public var shape: NodePool.NodeShape?
    public var minNodes: Int
    public var maxNodes: Int?

    public init(
        pool: String, pendingPods: Int = 0, runningPods: Int = 0, requests: PodRequests = PodRequests(),
        shape: NodePool.NodeShape? = nil, minNodes: Int = 0, maxNodes: Int? = nil
    ) {
        self.pool = pool
        self.pendingPods = pendingPods
        self.runningPods = runningPods
        self.requests = requests
        self.shape = shape
        self.minNodes = minNodes
        self.maxNodes = maxNodes
    }
}

/// One node pool's hint.
public struct NodePoolHint: Sendable, Hashable, Codable {
    public var pendingPods: Int
    public var runningPods: Int
    public var cpuRequestMillicores: Int64
    public var memoryRequestBytes: Double
    /// Nodes that fit every pod's requests (by cpu, memory and pod count, whichever needs most),
    /// clamped to the pool's bounds; nil when the pool has no `node_shape`.
    public var desiredNodes: Int?
    public var minNodes: Int
    public var maxNodes: Int?

    /// - Parameter demand: the pool's pods now.
    public init(_ demand: NodePoolDemand) {
        pendingPods = demand.pendingPods
        runningPods = demand.runningPods
        cpuRequestMillicores = demand.requests.cpuMillicores
        memoryRequestBytes = demand.requests.memoryBytes
        minNodes = demand.minNodes
        maxNodes = demand.maxNodes
        desiredNodes = demand.shape.map { shape in
            let pods = demand.pendingPods + demand.runningPods
            let byCPU = Self.ceilingRatio(Double(demand.requests.cpuMillicores), Double(shape.cpuMillicores))
            let byMemory = Self.ceilingRatio(demand.requests.memoryBytes, shape.memoryBytes)
            let byPods = ReplicaRecommender.needed(load: pods, perReplica: shape.pods)
            let nodes = max(byCPU, byMemory, byPods)
            return min(demand.maxNodes ?? Int.max, max(demand.minNodes, nodes))
        }
    }

    static func ceilingRatio(_ total: Double, _ perNode: Double) -> Int {
        guard total > 0, perNode > 0 else { return 0 }
        // A tiny tolerance keeps 4000m over 1000m-nodes at 4, not 5, after float rounding.
        return Int((total / perNode - 1e-9).rounded(.up))
    }
}
