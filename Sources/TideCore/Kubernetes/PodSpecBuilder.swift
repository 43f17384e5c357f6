/// Who a pod belongs to: one try of one task instance.
public struct PodIdentity: Sendable, Hashable {
    public var dagId: String
    public var taskId: String
    public var runId: String
    public var tryNumber: Int
    public var taskInstanceId: Int64

    public init(dagId: String, taskId: String, runId: String, tryNumber: Int, taskInstanceId: Int64) {
        self.dagId = dagId
        self.taskId = taskId
        self.runId = runId
        self.tryNumber = tryNumber
        self.taskInstanceId = taskInstanceId
    }

    /// Labels that find this try's pod again (a worker that adopts the try reattaches by them).
    public var labels: [String: String] {
        [
            "tide.io/managed": "true", "tide.io/dag-id": KubeNaming.labelValue(dagId),
            "tide.io/task-id": KubeNaming.labelValue(taskId), "tide.io/run-id": KubeNaming.labelValue(runId),
            "tide.io/try-number": String(tryNumber), "tide.io/task-instance": String(taskInstanceId),
        ]
    }
}

/// Builds the Pod manifest for a `kubernetes_pod` task try.
public enum PodSpecBuilder {
    /// The container name, as in Airflow's KubernetesPodOperator (a `pod_template` may define it).
    public static let containerName = "base"

    /// - Parameters:
    ///   - suffix: the random part of the pod name (lowercase alphanumeric).
    ///   - defaults: `kubernetes.pod_defaults`, under the pool's and the task's own settings.
    /// - Throws: ``PodSpecError`` for a node pool that is not configured.
    public static func build(
        _ own: KubernetesPodTask, identity: PodIdentity, nodePools: [String: NodePool], defaultNamespace: String,
        suffix: String, defaults: PodDefaults = PodDefaults()
    ) throws(PodSpecError) -> JSONValue {
        var pool: NodePool?
        if let name = own.nodePool {
            guard let found = nodePools[name] else {
                throw PodSpecError(message: "unknown node pool '\(name)'", known: nodePools.keys.sorted())
            }
            pool = found
        }
        let task = defaults.applied(to: own, poolResources: pool?.defaultResources ?? [:])
        var container: [String: JSONValue] = ["name": .string(containerName), "image": .string(task.image)]
        if !task.cmds.isEmpty { container["command"] = .array(task.cmds.map(JSONValue.string)) }
        if !task.arguments.isEmpty { container["args"] = .array(task.arguments.map(JSONValue.string)) }
        var env: [JSONValue] = task.env.sorted { $0.key < $1.key }.map {
            .object(["name": .string($0.key), "value": .string($0.value)])
        }
        env += task.secrets.map { secret in
            .object([
                "name": .string(secret.env),
                "valueFrom": .object([
                    "secretKeyRef": .object(["name": .string(secret.secret), "key": .string(secret.key)])
                ]),
            ])
        }
        if !env.isEmpty { container["env"] = .array(env) }
        let envFrom: [JSONValue] = task.envFrom.compactMap { source in
            if let name = source.configMap { return .object(["configMapRef": .object(["name": .string(name)])]) }
            if let name = source.secret { return .object(["secretRef": .object(["name": .string(name)])]) }
            return nil
        }
        if !envFrom.isEmpty { container["envFrom"] = .array(envFrom) }
        if !task.resources.isEmpty {
            container["resources"] = .object(task.resources.mapValues { .object($0.mapValues(JSONValue.string)) })
        }
        if let context = task.containerSecurityContext { container["securityContext"] = context }
        if let ports = task.ports, !ports.isEmpty { container["ports"] = .array(ports) }
        if !task.volumeMounts.isEmpty { container["volumeMounts"] = .array(task.volumeMounts) }
        if let policy = task.imagePullPolicy { container["imagePullPolicy"] = .string(policy) }
        if task.publishesReturnValue {
            // The kubelet reads the file when the container ends and reports it in the pod's status
            // (its termination message): the return value comes back without a sidecar or exec.
            container["terminationMessagePath"] = .string(KubernetesPodTask.returnValuePath)
            container["terminationMessagePolicy"] = .string("File")
        }

        var spec: [String: JSONValue] = ["restartPolicy": .string("Never"), "containers": .array([.object(container)])]
        if !task.initContainers.isEmpty { spec["initContainers"] = .array(task.initContainers) }
        if !task.volumes.isEmpty { spec["volumes"] = .array(task.volumes) }
        if !task.nodeSelector.isEmpty { spec["nodeSelector"] = .object(task.nodeSelector.mapValues(JSONValue.string)) }
        if let affinity = withNodePool(task.affinity, pool) { spec["affinity"] = affinity }
        let tolerations = task.tolerations + (pool?.taints.map(toleration) ?? [])
        if !tolerations.isEmpty { spec["tolerations"] = .array(tolerations) }
        if let account = task.serviceAccountName { spec["serviceAccountName"] = .string(account) }
        if !task.imagePullSecrets.isEmpty {
            spec["imagePullSecrets"] = .array(task.imagePullSecrets.map { .object(["name": .string($0)]) })
        }
        if let priority = task.priorityClassName { spec["priorityClassName"] = .string(priority) }
        if task.hostNetwork { spec["hostNetwork"] = .bool(true) }
        if let context = task.securityContext { spec["securityContext"] = context }
        if let constraints = task.topologySpreadConstraints, !constraints.isEmpty {
            spec["topologySpreadConstraints"] = .array(constraints.map { spreading($0, identity: identity) })
        }

        let annotations = task.annotations.merging([
            "tide.io/dag-id": identity.dagId, "tide.io/task-id": identity.taskId, "tide.io/run-id": identity.runId,
        ]) { _, ours in ours }
        let metadata: [String: JSONValue] = [
            "name": .string(KubeNaming.podName(dagId: identity.dagId, taskId: identity.taskId, suffix: suffix)),
            "namespace": .string(task.namespace ?? defaultNamespace),
            "labels": .object(task.labels.merging(identity.labels) { _, ours in ours }.mapValues(JSONValue.string)),
            "annotations": .object(annotations.mapValues(JSONValue.string)),
        ]
        let generated: JSONValue = .object([
            "apiVersion": .string("v1"), "kind": .string("Pod"), "metadata": .object(metadata), "spec": .object(spec),
        ])
        guard let template = task.podTemplate else { return generated }
        return overlay(template: template, with: generated)
    }

    /// Pool defaults under the task's own requests and limits (the task wins per resource).
    static func mergedResources(_ defaults: [String: [String: String]], _ own: [String: [String: String]]) -> [String:
        [String: String]]
    {
        var merged = defaults
        for (kind, values) in own { merged[kind, default: [:]].merge(values) { _, task in task } }
        return merged.filter { !$0.value.isEmpty }
    }

    /// A spread constraint without a `labelSelector` counts the pods of this task (all its runs
    /// and tries), so that they spread; one with a selector is left as written.
    static func spreading(_ constraint: JSONValue, identity: PodIdentity) -> JSONValue {
        guard case .object(var fields) = constraint, fields["labelSelector"] == nil else { return constraint }
        let labels = identity.labels
        let own = ["tide.io/dag-id", "tide.io/task-id"].compactMap { key in labels[key].map { (key, $0) } }
        fields["labelSelector"] = .object([
            "matchLabels": .object(Dictionary(uniqueKeysWithValues: own.map { ($0.0, JSONValue.string($0.1)) }))
        ])
        return .object(fields)
    }

    static func toleration(_ taint: NodePool.Taint) -> JSONValue {
        var fields: [String: JSONValue] = ["key": .string(taint.key), "effect": .string(taint.effect)]
        if let value = taint.value {
            fields["operator"] = .string("Equal")
            fields["value"] = .string(value)
        } else {
            fields["operator"] = .string("Exists")
        }
        return .object(fields)
    }

    /// The affinity with a required node affinity on the pool's label, added to every selector
    /// term (terms are ORed, so each must carry it).
    static func withNodePool(_ affinity: JSONValue?, _ pool: NodePool?) -> JSONValue? {
        guard let pool else { return affinity }
        let expression: JSONValue = .object([
            "key": .string(pool.labelKey), "operator": .string("In"), "values": .array([.string(pool.labelValue)]),
        ])
        var root: [String: JSONValue] = [:]
        if case .object(let fields)? = affinity { root = fields }
        var nodeAffinity: [String: JSONValue] = [:]
        if case .object(let fields)? = root["nodeAffinity"] { nodeAffinity = fields }
        var required: [String: JSONValue] = [:]
        if case .object(let fields)? = nodeAffinity["requiredDuringSchedulingIgnoredDuringExecution"] {
            required = fields
        }
        var terms: [JSONValue] = []
        if case .array(let existing)? = required["nodeSelectorTerms"] { terms = existing }
        if terms.isEmpty { terms = [.object([:])] }
        terms = terms.map { term in
            guard case .object(var fields) = term else { return term }
            var expressions: [JSONValue] = []
            if case .array(let existing)? = fields["matchExpressions"] { expressions = existing }
            fields["matchExpressions"] = .array(expressions + [expression])
            return .object(fields)
        }
        required["nodeSelectorTerms"] = .array(terms)
        nodeAffinity["requiredDuringSchedulingIgnoredDuringExecution"] = .object(required)
        root["nodeAffinity"] = .object(nodeAffinity)
        return .object(root)
    }

    /// The generated manifest laid over a `pod_template`: objects merge key by key (generated
    /// values win), and the generated container merges into the template's `base` (or first) container.
    static func overlay(template: JSONValue, with generated: JSONValue) -> JSONValue {
        guard case .object(var base) = template, case .object(let ours) = generated else { return generated }
        for (key, value) in ours {
            if key == "spec", case .object(var baseSpec)? = base["spec"], case .object(let ourSpec) = value {
                for (specKey, specValue) in ourSpec {
                    if specKey == "containers", case .array(let baseContainers)? = baseSpec["containers"],
                        case .array(let ourContainers) = specValue, let ourContainer = ourContainers.first
                    {
                        baseSpec["containers"] = .array(mergeContainer(ourContainer, into: baseContainers))
                    } else {
                        baseSpec[specKey] = merge(baseSpec[specKey], specValue)
                    }
                }
                base["spec"] = .object(baseSpec)
            } else {
                base[key] = merge(base[key], value)
            }
        }
        return .object(base)
    }

    private static func mergeContainer(_ ours: JSONValue, into containers: [JSONValue]) -> [JSONValue] {
        let index =
            containers.firstIndex { container in
                if case .object(let fields) = container, fields["name"] == .string(containerName) { return true }
                return false
            } ?? 0
        var result = containers
        result[index] = merge(containers[index], ours)
        return result
    }

    private static func merge(_ base: JSONValue?, _ ours: JSONValue) -> JSONValue {
        guard case .object(var fields)? = base, case .object(let overrides) = ours else { return ours }
        for (key, value) in overrides { fields[key] = merge(fields[key], value) }
        return .object(fields)
    }
}

/// A pod that cannot be built.
public struct PodSpecError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var known: [String] = []

    public init(message: String, known: [String] = []) {
        self.message = message
        self.known = known
    }

    public var description: String {
        known.isEmpty ? message : "\(message) (configured: \(known.joined(separator: ", ")))"
    }
}
