import Yams

extension DAGFileReader {
    static let podKeys = [
        "image", "cmds", "arguments", "env", "env_from", "secrets", "resources", "node_pool", "node_selector",
        "affinity", "tolerations", "labels", "annotations", "namespace", "service_account_name", "image_pull_policy",
        "image_pull_secrets", "volumes", "volume_mounts", "init_containers", "priority_class_name", "host_network",
        "startup_timeout", "on_finish", "get_logs", "log_events_on_failure", "skip_on_exit_code", "pod_template",
        "topology_spread_constraints", "security_context", "container_security_context", "kubernetes_conn_id",
        "cluster_context", "in_cluster", "ports",
    ]

    /// Reads a task's `kubernetes_pod` over the DAG's `default_args.kubernetes_pod` (a key the
    /// task gives replaces the default's whole value, as an operator argument replaces a default
    /// arg in Airflow) and checks what Kubernetes would reject.
    mutating func readKubernetesPod(_ node: Node, taskId: String, inherited: InheritedPod?) -> KubernetesPodTask? {
        let place = "kubernetes_pod of task '\(taskId)'"
        guard var (pod, keys) = readPodFields(node, place: place) else { return nil }
        if let inherited { pod = inherited.pod.laidUnder(pod, ownKeys: keys, inheritedKeys: inherited.keys) }
        keys.formUnion(inherited?.keys ?? [])
        checkVolumeMounts(of: pod, node: node, place: place)
        guard keys.contains("image"), !pod.image.isEmpty else {
            if !keys.contains("image") {
                report(node, "\(place) needs an 'image'", hint: "here or in default_args.kubernetes_pod")
            }
            return nil
        }
        return pod
    }

    /// Each volume mount must name one of the pod's volumes, or Kubernetes rejects the pod when
    /// it is created (a `pod_template` may bring volumes of its own: then it is left to Kubernetes).
    private mutating func checkVolumeMounts(of pod: KubernetesPodTask, node: Node, place: String) {
        guard pod.podTemplate == nil else { return }
        let volumes = Set(pod.volumes.compactMap { $0["name"]?.string })
        for mount in pod.volumeMounts {
            let name = mount["name"]?.string ?? ""
            guard !volumes.contains(name) else { continue }
            report(
                node, "volume_mounts in \(place) mounts '\(name)', which is not one of its volumes",
                hint: volumes.isEmpty ? "add it to volumes" : "volumes: \(volumes.sorted().joined(separator: ", "))")
        }
    }

    /// The fields of a `kubernetes_pod` mapping (`image` may be missing: default args need none),
    /// with the keys it gives.
    mutating func readPodFields(_ node: Node, place: String) -> (KubernetesPodTask, Set<String>)? {
        guard let pairs = mapping(node, what: place) else { return nil }
        checkKeys(pairs, allowed: Self.podKeys, place: place)
        let fields = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        var pod = KubernetesPodTask(image: "")
        if let imageNode = fields["image"] {
            guard let image = string(imageNode, what: "image in \(place)"), !image.isEmpty else { return nil }
            pod.image = image
            checkTemplate(image, node: imageNode, what: "image in \(place)")
        }
        if let value = fields["cmds"], let list = stringList(value, what: "cmds in \(place)") {
            pod.cmds = list
            list.forEach { checkTemplate($0, node: value, what: "cmds in \(place)") }
        }
        if let value = fields["arguments"], let list = stringList(value, what: "arguments in \(place)") {
            pod.arguments = list
            list.forEach { checkTemplate($0, node: value, what: "arguments in \(place)") }
        }
        if let value = fields["env"] { pod.env = environment(value, place: place) }
        if let value = fields["env_from"] { pod.envFrom = readEnvFrom(value, place: place) }
        if let value = fields["secrets"] { pod.secrets = readSecrets(value, place: place) }
        if let value = fields["resources"] { pod.resources = readResources(value, place: place) }
        if let value = fields["node_pool"] { pod.nodePool = nodePool(value, place: place) }
        if let value = fields["node_selector"] { pod.nodeSelector = labelMap(value, what: "node_selector in \(place)") }
        if let value = fields["labels"] { pod.labels = labelMap(value, what: "labels in \(place)") }
        if let value = fields["annotations"] {
            pod.annotations = stringMap(value, what: "annotations in \(place)", checkKey: KubeNaming.isValidLabelKey)
        }
        if let value = fields["affinity"] { pod.affinity = jsonValue(value) }
        if let value = fields["pod_template"] { pod.podTemplate = jsonValue(value) }
        for (key, path) in [
            ("tolerations", \KubernetesPodTask.tolerations), ("volumes", \.volumes), ("volume_mounts", \.volumeMounts),
            ("init_containers", \.initContainers),
        ] {
            guard let value = fields[key] else { continue }
            guard case .array(let items) = jsonValue(value) else {
                report(value, "\(key) in \(place) must be a list")
                continue
            }
            pod[keyPath: path] = items
        }
        if let value = fields["topology_spread_constraints"] {
            if case .array(let items) = jsonValue(value) {
                for problem in items.compactMap(TopologySpread.problem) { report(value, "\(problem) in \(place)") }
                pod.topologySpreadConstraints = items
            } else {
                report(value, "topology_spread_constraints in \(place) must be a list")
            }
        }
        for (key, path) in [
            ("security_context", \KubernetesPodTask.securityContext),
            ("container_security_context", \.containerSecurityContext),
        ] {
            guard let value = fields[key] else { continue }
            guard case .object = jsonValue(value) else {
                report(value, "\(key) in \(place) must be a mapping (Kubernetes' securityContext fields)")
                continue
            }
            pod[keyPath: path] = jsonValue(value)
        }
        if let value = fields["namespace"], let name = string(value, what: "namespace in \(place)") {
            if KubeNaming.isDNSLabel(name) {
                pod.namespace = name
            } else {
                report(
                    value, "invalid namespace '\(name)' in \(place)",
                    hint: "lowercase letters, digits and '-', at most 63")
            }
        }
        if let value = fields["service_account_name"] {
            pod.serviceAccountName = string(value, what: "service_account_name in \(place)")
        }
        if let value = fields["image_pull_policy"], let policy = string(value, what: "image_pull_policy in \(place)") {
            if ["Always", "IfNotPresent", "Never"].contains(policy) {
                pod.imagePullPolicy = policy
            } else {
                report(
                    value, "invalid image_pull_policy '\(policy)' in \(place)", hint: "Always, IfNotPresent or Never")
            }
        }
        if let value = fields["image_pull_secrets"],
            let names = stringList(value, what: "image_pull_secrets in \(place)")
        {
            pod.imagePullSecrets = names
        }
        if let value = fields["ports"] {
            if case .array(let items) = jsonValue(value) {
                for item in items {
                    guard case .object(let port) = item, case .number(let number)? = port["containerPort"],
                        number.rounded() == number, (1...65535).contains(number)
                    else {
                        report(value, "each of ports in \(place) needs containerPort, a port number from 1 to 65535")
                        break
                    }
                }
                pod.ports = items
            } else {
                report(value, "ports in \(place) must be a list of {containerPort, name, protocol}")
            }
        }
        if let value = fields["kubernetes_conn_id"] {
            pod.kubernetesConnId = string(value, what: "kubernetes_conn_id in \(place)")
            if let name = pod.kubernetesConnId, let known = kubernetesConnections, !known.contains(name) {
                report(
                    value, "unknown Kubernetes connection '\(name)' in \(place)",
                    hint: Suggestion.hint(for: name, among: known)
                        ?? "configured: \(known.sorted().joined(separator: ", ")) (kubernetes.connections in tide.yaml)"
                )
            }
        }
        if let value = fields["cluster_context"] {
            pod.clusterContext = string(value, what: "cluster_context in \(place)")
        }
        if let value = fields["in_cluster"] {
            pod.inCluster = boolean(value, what: "in_cluster in \(place)")
            if pod.inCluster == true, let conn = fields["kubernetes_conn_id"] {
                report(conn, "kubernetes_conn_id and in_cluster: true in \(place) contradict each other")
            }
        }
        if let value = fields["priority_class_name"] {
            pod.priorityClassName = string(value, what: "priority_class_name in \(place)")
        }
        if let value = fields["host_network"] {
            pod.hostNetwork = boolean(value, what: "host_network in \(place)") ?? false
        }
        if let value = fields["get_logs"] { pod.getLogs = boolean(value, what: "get_logs in \(place)") ?? true }
        if let value = fields["log_events_on_failure"] {
            pod.logEventsOnFailure = boolean(value, what: "log_events_on_failure in \(place)") ?? true
        }
        if let value = fields["startup_timeout"], let seconds = duration(value, what: "startup_timeout in \(place)") {
            if seconds > 0 {
                pod.startupTimeoutSeconds = seconds
            } else {
                report(value, "startup_timeout in \(place) must be more than 0")
            }
        }
        if let value = fields["on_finish"],
            let choice = choice(value, KubernetesPodTask.OnFinish.self, key: "on_finish", place: place)
        {
            pod.onFinish = choice
        }
        if let value = fields["skip_on_exit_code"] {
            if let code = value.int {
                pod.skipOnExitCode = [code]
            } else if case .sequence(let items) = value {
                pod.skipOnExitCode = items.compactMap { int($0, what: "skip_on_exit_code in \(place)") }
            } else {
                report(value, "skip_on_exit_code in \(place) must be an exit code or a list of them")
            }
        }
        return (pod, Set(fields.keys))
    }

    private mutating func readResources(_ node: Node, place: String) -> [String: [String: String]] {
        guard let pairs = mapping(node, what: "resources in \(place)") else { return [:] }
        checkKeys(pairs, allowed: ["requests", "limits"], place: "resources in \(place)")
        var result: [String: [String: String]] = [:]
        for pair in pairs where pair.key == "requests" || pair.key == "limits" {
            guard let quantities = mapping(pair.value, what: "resources.\(pair.key) in \(place)") else { continue }
            for quantity in quantities {
                guard case .scalar(let scalar) = quantity.value, KubeNaming.isValidQuantity(scalar.string) else {
                    report(
                        quantity.value,
                        "invalid quantity \(quantity.value.describedValue) for \(pair.key).\(quantity.key) in \(place)",
                        hint: "use e.g. 500m or 2 for cpu, 512Mi or 4Gi for memory")
                    continue
                }
                guard KubeNaming.isValidLabelKey(quantity.key) else {
                    report(quantity.keyNode, "invalid resource name '\(quantity.key)' in \(place)")
                    continue
                }
                result[pair.key, default: [:]][quantity.key] = scalar.string
            }
        }
        return result
    }

    private mutating func readEnvFrom(_ node: Node, place: String) -> [KubernetesPodTask.EnvFrom] {
        guard case .sequence(let items) = node else {
            report(node, "env_from in \(place) must be a list of {config_map: NAME} or {secret: NAME}")
            return []
        }
        return items.compactMap { item in
            guard let pairs = mapping(item, what: "an env_from item in \(place)") else { return nil }
            checkKeys(pairs, allowed: ["config_map", "secret"], place: "env_from in \(place)")
            guard pairs.count == 1, let pair = pairs.first, let name = string(pair.value, what: "env_from in \(place)")
            else {
                report(item, "each env_from item needs exactly one of config_map or secret")
                return nil
            }
            return pair.key == "config_map" ? .init(configMap: name) : .init(secret: name)
        }
    }

    private mutating func readSecrets(_ node: Node, place: String) -> [KubernetesPodTask.SecretEnv] {
        guard case .sequence(let items) = node else {
            report(node, "secrets in \(place) must be a list of {env, secret, key}")
            return []
        }
        return items.compactMap { item in
            guard let pairs = mapping(item, what: "a secrets item in \(place)") else { return nil }
            checkKeys(pairs, allowed: ["env", "secret", "key"], place: "secrets in \(place)")
            let fields = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
            guard let env = fields["env"].flatMap({ string($0, what: "env of a secret") }),
                let secret = fields["secret"].flatMap({ string($0, what: "secret of a secret") }),
                let key = fields["key"].flatMap({ string($0, what: "key of a secret") })
            else {
                report(item, "each secrets item needs env, secret and key")
                return nil
            }
            return .init(env: env, secret: secret, key: key)
        }
    }

    private mutating func labelMap(_ node: Node, what: String) -> [String: String] {
        let map = stringMap(node, what: what, checkKey: KubeNaming.isValidLabelKey)
        for (key, value) in map where !KubeNaming.isValidLabelValue(value) {
            report(
                node, "invalid label value '\(value)' for '\(key)' in \(what)",
                hint: "at most 63 of letters, digits, '-', '_', '.', alphanumeric at both ends")
        }
        return map
    }

    private mutating func stringMap(_ node: Node, what: String, checkKey: (String) -> Bool) -> [String: String] {
        guard let pairs = mapping(node, what: what) else { return [:] }
        var result: [String: String] = [:]
        for pair in pairs {
            guard checkKey(pair.key) else {
                report(pair.keyNode, "invalid key '\(pair.key)' in \(what)")
                continue
            }
            guard case .scalar(let scalar) = pair.value else {
                report(pair.value, "'\(pair.key)' in \(what) must be a string")
                continue
            }
            result[pair.key] = scalar.string
        }
        return result
    }

    mutating func boolean(_ node: Node, what: String) -> Bool? {
        guard let value = node.bool else {
            report(node, "expected true or false for \(what), got \(node.describedValue)")
            return nil
        }
        return value
    }
}
