/// A dedicated group of Kubernetes nodes that pod tasks can be pinned to (a GKE node pool, an EKS
/// node group, a Karpenter node pool, an AKS agent pool).
public struct NodePool: Sendable, Hashable, Codable {
    /// A taint on the pool's nodes; pods for the pool get a matching toleration.
    public struct Taint: Sendable, Hashable, Codable {
        public var key: String
        public var value: String?
        /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
        public var effect: String

        public init(key: String, value: String? = nil, effect: String = "NoSchedule") {
            self.key = key
            self.value = value
            self.effect = effect
        }
    }

    /// The name tasks use (`node_pool: pool-1`).
    public var name: String
    /// The node label that identifies the pool's nodes. Default `cloud.google.com/gke-nodepool`.
    public var labelKey: String
    /// That label's value on the pool's nodes. Default: the pool's name.
    public var labelValue: String
    public var taints: [Taint]
    /// Requests and limits for pods that give none, e.g. `["requests": ["cpu": "500m"]]`.
    public var defaultResources: [String: [String: String]]
    /// Most pod tasks running on the pool at once; nil means no limit.
    public var maxPods: Int?
    /// What one node of the pool offers, for the scaling hint of nodes needed; nil gives no node hint.
    public var nodeShape: NodeShape?
    /// Fewest nodes the pool keeps (its autoscaler's minimum). Default 0: it scales from zero.
    public var minNodes = 0
    /// Most nodes the pool may have; nil means no limit.
    public var maxNodes: Int?

    /// The allocatable cpu, memory and pod count of one node.
    public struct NodeShape: Sendable, Hashable, Codable {
        public var cpuMillicores: Int64
        public var memoryBytes: Double
        /// Most pods per node. Default 110, Kubernetes' default `maxPods`.
        public var pods: Int

        public init(cpuMillicores: Int64, memoryBytes: Double, pods: Int = 110) {
            self.cpuMillicores = cpuMillicores
            self.memoryBytes = memoryBytes
            self.pods = pods
        }
    }

    public static let gkeLabelKey = "cloud.google.com/gke-nodepool"

    public init(
        name: String, labelKey: String = NodePool.gkeLabelKey, labelValue: String? = nil, taints: [Taint] = [],
        defaultResources: [String: [String: String]] = [:], maxPods: Int? = nil
    ) {
        self.name = name
        self.labelKey = labelKey
        self.labelValue = labelValue ?? name
        self.taints = taints
        self.defaultResources = defaultResources
        self.maxPods = maxPods
    }
}
