/// A task that runs in its own pod (Airflow's KubernetesPodOperator).
///
/// Fields that Kubernetes already defines in detail (`affinity`, `tolerations`, `volumes`,
/// `volume_mounts`, `init_containers`, `pod_template`) are kept as JSON and passed through; the
/// rest are typed and checked when the DAG file is read.
public struct KubernetesPodTask: Sendable, Hashable, Codable {
    /// What to do with the pod when the try ends.
    public enum OnFinish: String, Sendable, Hashable, Codable, CaseIterable {
        case deletePod = "delete_pod"
        case deleteSucceededPod = "delete_succeeded_pod"
        case keepPod = "keep_pod"
    }

    /// An `envFrom` source: all keys of a ConfigMap or Secret as environment variables.
    public struct EnvFrom: Sendable, Hashable, Codable {
        public var configMap: String?
        public var secret: String?

        public init(configMap: String? = nil, secret: String? = nil) {
            self.configMap = configMap
            self.secret = secret
        }
    }

    /// One key of a Secret as an environment variable.
    public struct SecretEnv: Sendable, Hashable, Codable {
        public var env: String
        public var secret: String
        public var key: String

        public init(env: String, secret: String, key: String) {
            self.env = env
            self.secret = secret
            self.key = key
        }
    }

    public var image: String
    public var cmds: [String] = []
    public var arguments: [String] = []
    public var env: [String: String] = [:]
    public var envFrom: [EnvFrom] = []
    public var secrets: [SecretEnv] = []
    /// `requests` / `limits` → resource → quantity.
    public var resources: [String: [String: String]] = [:]
    public var nodePool: String?
    public var nodeSelector: [String: String] = [:]
    public var affinity: JSONValue?
    public var tolerations: [JSONValue] = []
    public var labels: [String: String] = [:]
    public var annotations: [String: String] = [:]
    public var namespace: String?
    public var serviceAccountName: String?
    public var imagePullPolicy: String?
    public var imagePullSecrets: [String] = []
    public var volumes: [JSONValue] = []
    public var volumeMounts: [JSONValue] = []
    public var initContainers: [JSONValue] = []
    public var priorityClassName: String?
    /// `topologySpreadConstraints` of the pod; one without a `labelSelector` spreads the pods of
    /// this task (their `tide.io/dag-id` and `tide.io/task-id` labels). Optional so that
    /// definitions stored before the field existed still decode.
    public var topologySpreadConstraints: [JSONValue]?
    /// The pod's `securityContext`.
    public var securityContext: JSONValue?
    /// The task container's `securityContext`.
    public var containerSecurityContext: JSONValue?
    /// The named connection (`kubernetes.connections`) whose cluster runs the pod; nil: the worker's.
    public var kubernetesConnId: String?
    /// A kubeconfig context other than the connection's own (KubernetesPodOperator's `cluster_context`).
    public var clusterContext: String?
    /// Run the pod through the worker pod's own service account, whatever the worker's default.
    public var inCluster: Bool?
    /// The container's `ports` (Kubernetes' ContainerPort objects: `containerPort`, `name`, `protocol`, …).
    public var ports: [JSONValue]?
    public var hostNetwork = false
    /// Seconds a pod may stay Pending (scheduling, scale-up from zero, image pull). Default 10 minutes.
    public var startupTimeoutSeconds: Double = 600
    public var onFinish: OnFinish = .deletePod
    public var getLogs = true
    public var logEventsOnFailure = true
    /// Exit codes that mark the task skipped instead of failed.
    public var skipOnExitCode: [Int] = []
    /// A full pod manifest the fields above override.
    public var podTemplate: JSONValue?
    /// Whether the pod publishes ``returnValuePath`` as the task's return value (the task's
    /// `do_xcom_push`, set when a try runs; not part of the stored definition).
    public var publishesReturnValue = false

    /// Where a `kubernetes_pod` task writes its return value, as KubernetesPodOperator's users do.
    public static let returnValuePath = "/airflow/xcom/return.json"
    /// The most a container's termination message holds (the kubelet's limit), and so the largest
    /// return value a `kubernetes_pod` task can publish.
    public static let terminationMessageMaxBytes = 4096

    public init(image: String) { self.image = image }

    private enum CodingKeys: String, CodingKey {
        case image, cmds, arguments, env, envFrom = "env_from", secrets, resources, nodePool = "node_pool"
        case nodeSelector = "node_selector", affinity, tolerations, labels, annotations, namespace
        case serviceAccountName = "service_account_name", imagePullPolicy = "image_pull_policy"
        case imagePullSecrets = "image_pull_secrets", volumes, volumeMounts = "volume_mounts"
        case initContainers = "init_containers", priorityClassName = "priority_class_name", hostNetwork = "host_network"
        case startupTimeoutSeconds = "startup_timeout_seconds", onFinish = "on_finish", getLogs = "get_logs"
        case logEventsOnFailure = "log_events_on_failure", skipOnExitCode = "skip_on_exit_code"
        case podTemplate = "pod_template", topologySpreadConstraints = "topology_spread_constraints"
        case securityContext = "security_context", containerSecurityContext = "container_security_context"
        case kubernetesConnId = "kubernetes_conn_id", clusterContext = "cluster_context", inCluster = "in_cluster"
        case ports
    }
}
