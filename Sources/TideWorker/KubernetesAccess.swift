import TideCore
import TideKube

/// What a worker needs to run `kubernetes_pod` tasks: an API client, the namespace pods go to
/// unless a task names one, and the configured node pools.
public struct KubernetesAccess: Sendable {
    public var client: KubeClient
    public var namespace: String
    public var nodePools: [NodePool]

    public init(client: KubeClient, namespace: String, nodePools: [NodePool]) {
        self.client = client
        self.namespace = namespace
        self.nodePools = nodePools
    }
}
