/// Where a task's own command runs: as a process on the worker (`local`, the default), or in a
/// pod of the Tide image that runs `tide tasks run` (`kubernetes`, Airflow's KubernetesExecutor
/// for one task).
public struct TaskExecutor: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case local
        case kubernetes
    }

    public var kind: Kind
    /// The node pool the pod runs on (kubernetes only).
    public var nodePool: String?
    /// A pod manifest the generated pod is laid over (kubernetes only).
    public var podTemplate: JSONValue?

    public init(kind: Kind, nodePool: String? = nil, podTemplate: JSONValue? = nil) {
        self.kind = kind
        self.nodePool = nodePool
        self.podTemplate = podTemplate
    }

    private enum CodingKeys: String, CodingKey {
        case kind, nodePool = "node_pool", podTemplate = "pod_template"
    }
}
