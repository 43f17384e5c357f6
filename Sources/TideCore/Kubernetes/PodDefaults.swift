/// Pod settings every `kubernetes_pod` task and every `executor: kubernetes` pod starts from:
/// `kubernetes.pod_defaults` in `tide.yaml` (LINE patched Airflow for default requests, limits
/// and placement; here it is a setting).
///
/// Precedence, later wins: these defaults, the node pool's `default_resources`, the DAG's
/// `default_args.kubernetes_pod`, the task's own `kubernetes_pod`. Per field:
/// - `resources`: per resource and kind (a task's cpu request replaces the default cpu request;
///   the default memory request stays);
/// - `labels`, `annotations`, `node_selector`: per key;
/// - `tolerations`, `image_pull_secrets`: the defaults' and the task's together;
/// - `topology_spread_constraints`, `security_context`, `container_security_context`,
///   `service_account_name`: the task's when it has any, else the defaults'.
public struct PodDefaults: Sendable, Hashable {
    public var resources: [String: [String: String]] = [:]
    public var labels: [String: String] = [:]
    public var annotations: [String: String] = [:]
    public var nodeSelector: [String: String] = [:]
    public var tolerations: [JSONValue] = []
    public var topologySpreadConstraints: [JSONValue] = []
    public var serviceAccountName: String?
    public var imagePullSecrets: [String] = []
    /// The pod's `securityContext`.
    public var securityContext: JSONValue?
    /// The task container's `securityContext`.
    public var containerSecurityContext: JSONValue?

    public init() {}

    /// The task's settings laid over these defaults (see the type's precedence).
    /// - Parameter poolResources: the task's node pool's `default_resources`, between the two.
    public func applied(to task: KubernetesPodTask, poolResources: [String: [String: String]] = [:])
        -> KubernetesPodTask
    {
        var merged = task
        merged.resources = PodSpecBuilder.mergedResources(
            PodSpecBuilder.mergedResources(resources, poolResources), task.resources)
        merged.labels = labels.merging(task.labels) { _, own in own }
        merged.annotations = annotations.merging(task.annotations) { _, own in own }
        merged.nodeSelector = nodeSelector.merging(task.nodeSelector) { _, own in own }
        merged.tolerations = tolerations + task.tolerations.filter { !tolerations.contains($0) }
        merged.imagePullSecrets = imagePullSecrets + task.imagePullSecrets.filter { !imagePullSecrets.contains($0) }
        if (task.topologySpreadConstraints ?? []).isEmpty {
            merged.topologySpreadConstraints = topologySpreadConstraints.isEmpty ? nil : topologySpreadConstraints
        }
        merged.serviceAccountName = task.serviceAccountName ?? serviceAccountName
        merged.securityContext = task.securityContext ?? securityContext
        merged.containerSecurityContext = task.containerSecurityContext ?? containerSecurityContext
        return merged
    }
}
