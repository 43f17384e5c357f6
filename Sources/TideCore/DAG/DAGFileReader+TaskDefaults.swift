import Yams

extension DAGFileReader {
    mutating func readDefaultArgs(_ node: Node) -> TaskDefaults {
        guard !node.isNull, let pairs = mapping(node, what: "default_args") else { return TaskDefaults() }
        checkKeys(pairs, allowed: DAGParser.defaultArgKeys + ["kubernetes_pod"], place: "default_args")
        let fields = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        var defaults = readTaskDefaults(fields, place: "default_args")
        if let pod = fields["kubernetes_pod"] { defaults.kubernetesPod = readInheritedPod(pod) }
        if defaults.executorKind != .kubernetes {
            for key in ["node_pool", "pod_template"] {
                guard let option = fields[key] else { continue }
                report(option, "\(key) in default_args needs executor: kubernetes")
            }
        }
        return defaults
    }

    mutating func readTaskDefaults(_ fields: [String: Node], place: String) -> TaskDefaults {
        var defaults = TaskDefaults()
        if let node = fields["retries"], !node.isNull {
            if let value = int(node, what: "retries in \(place)") {
                if value < 0 {
                    report(node, "retries in \(place) must be 0 or more, got \(value)")
                } else {
                    defaults.retries = value
                }
            }
        }
        if let node = fields["retry_delay"], !node.isNull {
            defaults.retryDelaySeconds = duration(node, what: "retry_delay in \(place)")
        }
        if let node = fields["execution_timeout"], !node.isNull {
            if let seconds = duration(node, what: "execution_timeout in \(place)") {
                if seconds <= 0 {
                    report(node, "execution_timeout in \(place) must be more than 0")
                } else {
                    defaults.executionTimeoutSeconds = seconds
                }
            }
        }
        if let node = fields["env"], !node.isNull { defaults.env = environment(node, place: place) }
        if let node = fields["secret_env"], !node.isNull { defaults.secretEnv = secretEnvironment(node, place: place) }
        if let node = fields["queue"], let queue = string(node, what: "queue in \(place)") {
            if Identifier.isValid(queue) {
                defaults.queue = queue
            } else {
                report(node, "invalid queue '\(queue)' in \(place)", hint: Identifier.rule)
            }
        }
        if let node = fields["priority_weight"], !node.isNull {
            defaults.priorityWeight = int(node, what: "priority_weight in \(place)")
        }
        if let node = fields["trigger_rule"],
            let rule = choice(node, TriggerRule.self, key: "trigger_rule", place: place)
        {
            defaults.triggerRule = rule
        }
        if let node = fields["depends_on_past"], !node.isNull {
            if let value = node.bool {
                defaults.dependsOnPast = value
            } else {
                report(node, "expected true or false for depends_on_past in \(place), got \(node.describedValue)")
            }
        }
        if let node = fields["do_xcom_push"], !node.isNull {
            if let value = node.bool {
                defaults.doXcomPush = value
            } else {
                report(node, "expected true or false for do_xcom_push in \(place), got \(node.describedValue)")
            }
        }
        if let node = fields["retry_exponential_backoff"], !node.isNull {
            if let value = node.bool {
                defaults.retryExponentialBackoff = value
            } else {
                report(
                    node, "expected true or false for retry_exponential_backoff in \(place), got \(node.describedValue)"
                )
            }
        }
        if let node = fields["max_retry_delay"], !node.isNull {
            defaults.maxRetryDelaySeconds = duration(node, what: "max_retry_delay in \(place)")
        }
        for (key, slot) in [
            ("on_success_callback", \Callbacks.onSuccess), ("on_failure_callback", \Callbacks.onFailure),
            ("on_retry_callback", \Callbacks.onRetry),
        ] {
            if let node = fields[key] {
                var callbacks = defaults.callbacks ?? Callbacks()
                callbacks[keyPath: slot] = readCallbacks(node, what: "\(key) in \(place)")
                defaults.callbacks = callbacks
                defaults.callbacksSet.insert(key)
            }
        }
        if let node = fields["weight_rule"], let rule = choice(node, WeightRule.self, key: "weight_rule", place: place)
        {
            defaults.weightRule = rule
        }
        if let node = fields["pool"], let name = string(node, what: "pool in \(place)") {
            if Identifier.isValid(name) {
                defaults.pool = name
            } else {
                report(node, "invalid pool '\(name)' in \(place)", hint: Identifier.rule)
            }
        }
        if let node = fields["pool_slots"], !node.isNull, let slots = int(node, what: "pool_slots in \(place)") {
            if slots >= 1 {
                defaults.poolSlots = slots
            } else {
                report(node, "pool_slots in \(place) must be at least 1, got \(slots)")
            }
        }
        readExecutor(fields, into: &defaults, place: place)
        if let node = fields["max_active_tis_per_dag"], !node.isNull,
            let limit = int(node, what: "max_active_tis_per_dag in \(place)")
        {
            if limit >= 1 {
                defaults.maxActiveTisPerDag = limit
            } else {
                report(node, "max_active_tis_per_dag in \(place) must be at least 1, got \(limit)")
            }
        }
        return defaults
    }
}

/// Task settings that `default_args` supplies and a task may override.
struct TaskDefaults {
    var retries: Int?
    var retryDelaySeconds: Double?
    var executionTimeoutSeconds: Double?
    var env: [String: String] = [:]
    var secretEnv: [String: String] = [:]
    var queue: String?
    var priorityWeight: Int?
    var triggerRule: TriggerRule?
    var dependsOnPast: Bool?
    var doXcomPush: Bool?
    var retryExponentialBackoff: Bool?
    var maxRetryDelaySeconds: Double?
    var weightRule: WeightRule?
    var pool: String?
    var poolSlots: Int?
    var maxActiveTisPerDag: Int?
    var callbacks: Callbacks?
    var executorKind: TaskExecutor.Kind?
    var executorNodePool: String?
    var executorPodTemplate: JSONValue?
    /// `default_args.kubernetes_pod`, under each `kubernetes_pod` task's own fields.
    var kubernetesPod: InheritedPod?
    /// Which callback keys were given, so a task's own setting replaces the default per key.
    var callbacksSet: Set<String> = []

    func overridden(by own: TaskDefaults) -> TaskDefaults {
        var merged = TaskDefaults(
            retries: own.retries ?? retries, retryDelaySeconds: own.retryDelaySeconds ?? retryDelaySeconds,
            executionTimeoutSeconds: own.executionTimeoutSeconds ?? executionTimeoutSeconds,
            env: env.merging(own.env) { _, task in task }, queue: own.queue ?? queue,
            priorityWeight: own.priorityWeight ?? priorityWeight, triggerRule: own.triggerRule ?? triggerRule,
            dependsOnPast: own.dependsOnPast ?? dependsOnPast,
            retryExponentialBackoff: own.retryExponentialBackoff ?? retryExponentialBackoff,
            maxRetryDelaySeconds: own.maxRetryDelaySeconds ?? maxRetryDelaySeconds,
            weightRule: own.weightRule ?? weightRule,
            pool: own.pool ?? pool, poolSlots: own.poolSlots ?? poolSlots,
            maxActiveTisPerDag: own.maxActiveTisPerDag ?? maxActiveTisPerDag)
        var callbacks = self.callbacks ?? Callbacks()
        let ownCallbacks = own.callbacks ?? Callbacks()
        if own.callbacksSet.contains("on_success_callback") { callbacks.onSuccess = ownCallbacks.onSuccess }
        if own.callbacksSet.contains("on_failure_callback") { callbacks.onFailure = ownCallbacks.onFailure }
        if own.callbacksSet.contains("on_retry_callback") { callbacks.onRetry = ownCallbacks.onRetry }
        merged.callbacks = callbacks
        merged.executorKind = own.executorKind ?? executorKind
        merged.executorNodePool = own.executorNodePool ?? executorNodePool
        merged.executorPodTemplate = own.executorPodTemplate ?? executorPodTemplate
        merged.secretEnv = secretEnv.merging(own.secretEnv) { _, task in task }
        merged.kubernetesPod = kubernetesPod
        merged.doXcomPush = own.doXcomPush ?? doXcomPush
        return merged
    }
}

extension DAGFileReader {
    /// `secret_env`: task variable → the worker's variable that holds the secret.
    mutating func secretEnvironment(_ node: Node, place: String) -> [String: String] {
        guard let pairs = mapping(node, what: "secret_env in \(place)") else { return [:] }
        var result: [String: String] = [:]
        for pair in pairs {
            guard Identifier.isEnvironmentName(pair.key) else {
                report(pair.keyNode, "invalid environment variable name '\(pair.key)' in secret_env of \(place)")
                continue
            }
            guard case .scalar(let scalar) = pair.value, Identifier.isEnvironmentName(scalar.string) else {
                report(
                    pair.value,
                    "secret_env '\(pair.key)' in \(place) must name a variable of the worker's environment",
                    hint: "e.g. API_TOKEN: WAREHOUSE_API_TOKEN; the secret itself never goes in a DAG file")
                continue
            }
            guard !scalar.string.hasPrefix("TIDE_") else {
                report(
                    pair.value,
                    "secret_env '\(pair.key)' in \(place) may not read Tide's own settings (\(scalar.string))")
                continue
            }
            result[pair.key] = scalar.string
        }
        return result
    }
}
