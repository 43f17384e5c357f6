import TideCore
import TideKube

/// What a worker needs to run `kubernetes_pod` and `executor: kubernetes` tasks: an API client,
/// the namespace pods go to unless a task names one, the configured node pools, and how to make
/// a pod that runs a task with `tide tasks run`.
public struct KubernetesAccess: Sendable {
    public var client: KubeClient
    public var namespace: String
    public var nodePools: [NodePool]
    /// Image of pods for `executor: kubernetes` tasks (it must contain `tide`).
    public var workerImage: String
    /// Secret whose keys become those pods' environment (database URL, …).
    public var workerSecret: String?
    /// Settings without secrets those pods get as plain variables (schema, time zone, log cap).
    public var workerEnvironment: [String: String]
    /// Seconds between sweeps of `namespace` for pods whose try is over.
    public var orphanSweepIntervalSeconds: Double
    /// Whether to read the Secrets pods take values from, to mask those values in task logs.
    public var masksSecretValues: Bool
    /// `kubernetes.pod_defaults`: under every pod's own settings.
    public var podDefaults = PodDefaults()
    /// The other clusters tasks may choose; nil: only this connection.
    public var clusters: KubernetesClusters?

    public init(
        client: KubeClient, namespace: String, nodePools: [NodePool], workerImage: String, workerSecret: String?,
        workerEnvironment: [String: String], orphanSweepIntervalSeconds: Double = 60, masksSecretValues: Bool = true
    ) {
        self.masksSecretValues = masksSecretValues
        self.orphanSweepIntervalSeconds = orphanSweepIntervalSeconds
        self.client = client
        self.namespace = namespace
        self.nodePools = nodePools
        self.workerImage = workerImage
        self.workerSecret = workerSecret
        self.workerEnvironment = workerEnvironment
    }
}
