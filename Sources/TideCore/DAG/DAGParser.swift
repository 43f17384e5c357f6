import Foundation
import Yams

/// Reads one YAML DAG file into a validated ``DAG``.
///
/// Every problem in the file is collected (not just the first) and each names its line, so a
/// user fixes a file in one pass. A file with any problem yields no DAG.
public enum DAGParser {
    static let dagKeys = [
        "dag_id", "description", "tags", "schedule", "start_date", "end_date", "timezone", "template_timezone",
        "catchup",
        "max_active_runs", "max_active_tasks", "dagrun_timeout", "on_success_callback", "on_failure_callback",
        "default_args", "params", "tasks",
    ]
    static let defaultArgKeys = [
        "retries", "retry_delay", "execution_timeout", "env", "queue", "priority_weight", "trigger_rule",
        "depends_on_past", "retry_exponential_backoff", "max_retry_delay", "weight_rule", "pool", "pool_slots",
        "max_active_tis_per_dag", "on_success_callback", "on_failure_callback", "on_retry_callback", "executor",
        "node_pool", "pod_template", "secret_env", "do_xcom_push",
    ]
    static let kindKeys = ["bash", "command", "empty", "kubernetes_pod", "sensor"]
    /// Most YAML nodes a DAG file may expand to (aliases counted each time they are used).
    public static let maximumNodes = 200_000
    static let taskKeys = ["task_id", "upstream", "branch", "outlets", "expand"] + defaultArgKeys + kindKeys

    /// Parses and validates a DAG file.
    /// - Parameters:
    ///   - yaml: the file's text.
    ///   - file: the name used in error messages and stored as the DAG's `fileloc`.
    /// - Throws: ``DAGFileError`` with every issue found.
    ///   - nodePools: the configured node pools' names, to check `node_pool`; nil skips that check.
    ///   - kubernetesConnections: the configured connections' names, to check `kubernetes_conn_id`;
    ///     nil skips that check.
    public static func parse(
        yaml: String, file: String, nodePools: [String]? = nil, kubernetesConnections: [String]? = nil
    ) throws(DAGFileError) -> DAG {
        var reader = DAGFileReader(file: file)
        reader.nodePools = nodePools
        reader.kubernetesConnections = kubernetesConnections
        try YAMLSafety.check(yaml, file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            reader.report(yamlError: error)
            throw DAGFileError(file: file, issues: reader.issues)
        } catch {
            throw DAGFileError(file: file, issues: [DAGIssue(file: file, message: "cannot read YAML: \(error)")])
        }
        guard let root else {
            throw DAGFileError(file: file, issues: [DAGIssue(file: file, message: "the file is empty")])
        }
        // Aliases share nodes, so a few lines can stand for billions of them ("billion laughs"):
        // count with a budget before anything walks the whole tree.
        guard Self.nodeCount(root, budget: maximumNodes) <= maximumNodes else {
            throw DAGFileError(
                file: file,
                issues: [
                    DAGIssue(
                        file: file, line: 1,
                        message: "the file expands to more than \(maximumNodes) YAML nodes",
                        hint: "YAML aliases (*name) repeat what their anchor holds; repeat less")
                ])
        }
        let dag = reader.readDAG(root)
        if let dag, reader.issues.isEmpty {
            return dag
        }
        // In reading order, as an editor lists them.
        let sorted = reader.issues.enumerated().sorted { a, b in
            (a.element.line ?? 0, a.element.column ?? 0, a.offset) < (
                b.element.line ?? 0, b.element.column ?? 0, b.offset
            )
        }.map(\.element)
        throw DAGFileError(file: file, issues: sorted)
    }
}

extension DAGParser {
    /// The nodes of a tree, aliases expanded, counting no further than just past `budget`.
    static func nodeCount(_ node: Node, budget: Int) -> Int {
        var count = 0
        var pending = [node]
        while let next = pending.popLast() {
            count += 1
            if count > budget { return count }
            switch next {
            case .mapping(let mapping):
                for (key, value) in mapping {
                    pending.append(key)
                    pending.append(value)
                }
            case .sequence(let sequence): pending.append(contentsOf: sequence)
            case .scalar, .alias: break
            }
        }
        return count
    }
}

/// The parser's working state: the file name and the issues found so far.
struct DAGFileReader {
    let file: String
    var issues: [DAGIssue] = []
    /// Configured node pool names; nil when unknown.
    var nodePools: [String]?
    /// Configured Kubernetes connection names (`kubernetes.connections`); nil when unknown.
    var kubernetesConnections: [String]?

    mutating func report(_ node: Node?, _ message: String, hint: String? = nil) {
        issues.append(
            DAGIssue(file: file, line: node?.mark?.line, column: node?.mark?.column, message: message, hint: hint))
    }

    mutating func report(yamlError: YamlError) {
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { " \($0.text)" } ?? ""
            issues.append(
                DAGIssue(
                    file: file, line: mark.line, column: mark.column, message: "YAML syntax error: \(problem)\(detail)")
            )
        case .duplicatedKeysInMapping(let duplicates, let context):
            issues.append(
                DAGIssue(
                    file: file, line: context.mark.line, column: context.mark.column,
                    message: "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", "))"))
        default:
            issues.append(DAGIssue(file: file, message: "YAML error: \(yamlError)"))
        }
    }

    // MARK: - DAG and tasks

    mutating func readDAG(_ root: Node) -> DAG? {
        guard let pairs = mapping(root, what: "the DAG file") else { return nil }
        checkKeys(pairs, allowed: DAGParser.dagKeys, place: "the DAG")
        let fields = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })

        let dagIdNode = fields["dag_id"]
        var dagId = ""
        if let dagIdNode, let value = string(dagIdNode, what: "dag_id") {
            if Identifier.isValid(value) {
                dagId = value
            } else {
                report(dagIdNode, "invalid dag_id '\(value)'", hint: Identifier.rule)
            }
        } else if dagIdNode == nil {
            report(root, "missing required key 'dag_id'")
        }
        let description = fields["description"].flatMap { string($0, what: "description") } ?? ""
        let tags = fields["tags"].flatMap { stringList($0, what: "tags") } ?? []
        let timing = readTiming(fields, root: root)
        var params: [String: JSONValue] = [:]
        if let paramsNode = fields["params"], !paramsNode.isNull {
            if case .object(let object) = jsonValue(paramsNode) {
                params = object
            } else {
                report(paramsNode, "'params' must be a mapping of names to values")
            }
        }
        let defaults = fields["default_args"].map { readDefaultArgs($0) } ?? TaskDefaults()

        guard let tasksNode = fields["tasks"] else {
            report(root, "missing required key 'tasks'")
            return nil
        }
        guard case .sequence(let taskNodes) = tasksNode, !taskNodes.isEmpty else {
            report(tasksNode, "'tasks' must be a non-empty list of tasks")
            return nil
        }
        var tasks: [TaskSpec] = []
        var taskNodesById: [String: Node] = [:]
        var upstreamNodes: [String: [Node]] = [:]
        for node in taskNodes {
            guard let (task, upstream) = readTask(node, defaults: defaults) else { continue }
            if let first = taskNodesById[task.taskId] {
                report(
                    node, "duplicate task_id '\(task.taskId)'",
                    hint: first.mark.map { "first defined on line \($0.line)" })
                continue
            }
            taskNodesById[task.taskId] = node
            upstreamNodes[task.taskId] = upstream
            tasks.append(task)
        }
        checkExpansions(&tasks, taskNodes: taskNodesById)
        checkGraph(tasks, taskNodes: taskNodesById, upstreamNodes: upstreamNodes)
        return DAG(
            dagId: dagId, description: description, tags: tags, params: params, tasks: tasks, fileloc: file,
            schedule: timing.schedule, timeZone: timing.timeZone, templateTimeZone: timing.templateTimeZone,
            startDate: timing.startDate, endDate: timing.endDate,
            catchup: timing.catchup, maxActiveRuns: timing.maxActiveRuns, maxActiveTasks: timing.maxActiveTasks,
            dagrunTimeoutSeconds: timing.dagrunTimeout,
            callbacks: Callbacks(
                onSuccess: fields["on_success_callback"].map {
                    readCallbacks($0, what: "on_success_callback of the DAG")
                } ?? [],
                onFailure: fields["on_failure_callback"].map {
                    readCallbacks($0, what: "on_failure_callback of the DAG")
                } ?? []))
    }

    /// Reads one task; returns it with the nodes of its upstream ids (for error lines).
    mutating func readTask(_ node: Node, defaults: TaskDefaults) -> (TaskSpec, [Node])? {
        guard let pairs = mapping(node, what: "a task") else { return nil }
        let fields = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        guard let idNode = fields["task_id"] else {
            report(node, "task is missing required key 'task_id'")
            return nil
        }
        guard let taskId = string(idNode, what: "task_id") else { return nil }
        guard Identifier.isValid(taskId) else {
            report(idNode, "invalid task_id '\(taskId)'", hint: Identifier.rule)
            return nil
        }
        checkKeys(pairs, allowed: DAGParser.taskKeys, place: "task '\(taskId)'")
        let own = readTaskDefaults(fields, place: "task '\(taskId)'")
        let merged = defaults.overridden(by: own)

        var upstreamNodes: [Node] = []
        var upstream: [String] = []
        if let upstreamNode = fields["upstream"], !upstreamNode.isNull {
            if case .sequence(let items) = upstreamNode {
                for item in items {
                    if let id = string(item, what: "an upstream id of task '\(taskId)'") {
                        upstream.append(id)
                        upstreamNodes.append(item)
                    }
                }
            } else if let single = string(upstreamNode, what: "upstream of task '\(taskId)'") {
                upstream = [single]
                upstreamNodes = [upstreamNode]
            }
        }

        let kind = readKind(fields, node: node, taskId: taskId, inheritedPod: merged.kubernetesPod)
        let task = TaskSpec(
            taskId: taskId, upstream: upstream, retries: merged.retries ?? 0,
            retryDelaySeconds: merged.retryDelaySeconds ?? 300, executionTimeoutSeconds: merged.executionTimeoutSeconds,
            env: merged.env, queue: merged.queue ?? "default", priorityWeight: merged.priorityWeight ?? 1,
            kind: kind ?? .empty, triggerRule: merged.triggerRule ?? .allSuccess,
            dependsOnPast: merged.dependsOnPast ?? false,
            retryExponentialBackoff: merged.retryExponentialBackoff ?? false,
            maxRetryDelaySeconds: merged.maxRetryDelaySeconds, weightRule: merged.weightRule,
            pool: merged.pool ?? "default_pool", poolSlots: merged.poolSlots ?? 1,
            maxActiveTisPerDag: merged.maxActiveTisPerDag, callbacks: merged.callbacks ?? Callbacks(),
            executor: executor(merged, kind: kind, taskId: taskId, fields: fields))
        var withSecrets = task
        withSecrets.doXcomPush = merged.doXcomPush ?? false
        (withSecrets.branch, withSecrets.branchChoices) = readBranch(fields, kind: kind, taskId: taskId)
        withSecrets.outlets = readOutlets(fields, kind: kind, taskId: taskId)
        withSecrets.expand = readExpand(
            fields, kind: kind, taskId: taskId, dependsOnPast: task.dependsOnPast, branch: withSecrets.branch)
        if fields["expand"] == nil || withSecrets.expand != nil {
            checkExpandedNames(withSecrets, fields: fields, node: node)
        }
        if withSecrets.doXcomPush, let node = fields["do_xcom_push"] ?? fields["task_id"],
            !(kind?.publishesResults ?? true)
        {
            report(
                node, "do_xcom_push is for bash, command and kubernetes_pod tasks",
                hint: "a sensor or empty task publishes no results")
        }
        if case .kubernetesPod = kind {
            if let node = fields["secret_env"] {
                report(
                    node,
                    "secret_env is for tasks whose command Tide runs; a kubernetes_pod task takes secrets: from a Secret"
                )
            }
        } else {
            withSecrets.secretEnv = merged.secretEnv
        }
        return kind == nil ? nil : (withSecrets, upstreamNodes)
    }

    mutating func readKind(_ fields: [String: Node], node: Node, taskId: String, inheritedPod: InheritedPod? = nil)
        -> TaskKind?
    {
        let present = DAGParser.kindKeys.filter { fields[$0] != nil }
        guard present.count == 1, let key = present.first, let value = fields[key] else {
            let message =
                present.isEmpty
                ? "task '\(taskId)' has no kind"
                : "task '\(taskId)' has more than one kind: \(present.joined(separator: ", "))"
            report(
                node, message,
                hint:
                    "give exactly one of 'bash: SCRIPT', 'command: [ARGV]', 'kubernetes_pod: {…}', 'sensor: {…}' or 'empty: true'"
            )
            return nil
        }
        switch key {
        case "bash":
            guard let script = string(value, what: "bash of task '\(taskId)'"), !script.isEmpty else {
                if value.scalar != nil { report(value, "bash of task '\(taskId)' is empty") }
                return nil
            }
            checkTemplate(script, node: value, what: "bash of task '\(taskId)'")
            return .bash(script)
        case "command":
            guard let argv = stringList(value, what: "command of task '\(taskId)'") else { return nil }
            guard let program = argv.first, !program.isEmpty else {
                report(
                    value, "command of task '\(taskId)' is empty", hint: "give an argv list such as [\"echo\", \"hi\"]")
                return nil
            }
            for argument in argv { checkTemplate(argument, node: value, what: "command of task '\(taskId)'") }
            return .command(argv)
        case "kubernetes_pod":
            return readKubernetesPod(value, taskId: taskId, inherited: inheritedPod).map(TaskKind.kubernetesPod)
        case "sensor":
            return readSensor(value, taskId: taskId).map(TaskKind.sensor)
        default:
            guard value.bool == true else {
                report(value, "'empty' of task '\(taskId)' must be true")
                return nil
            }
            return .empty
        }
    }

    // MARK: - Graph checks

    mutating func checkGraph(_ tasks: [TaskSpec], taskNodes: [String: Node], upstreamNodes: [String: [Node]]) {
        let ids = Set(tasks.map(\.taskId))
        for task in tasks {
            for (index, parent) in task.upstream.enumerated() {
                let node = upstreamNodes[task.taskId].flatMap { index < $0.count ? $0[index] : nil }
                if parent == task.taskId {
                    report(node, "task '\(task.taskId)' lists itself as upstream")
                } else if !ids.contains(parent) {
                    report(
                        node, "task '\(task.taskId)' has unknown upstream '\(parent)'",
                        hint: Suggestion.hint(for: parent, among: ids))
                }
            }
        }
        for task in tasks {
            for pull in task.xcomPulls where !ids.contains(pull.taskId) {
                report(
                    taskNodes[task.taskId], "task '\(task.taskId)' pulls a result of unknown task '\(pull.taskId)'",
                    hint: Suggestion.hint(for: pull.taskId, among: ids))
            }
        }
        checkBranches(tasks, taskNodes: taskNodes)
        if let cycle = DAGGraph.findCycle(tasks) {
            let start = cycle.first.flatMap { taskNodes[$0] }
            report(start, "dependency cycle: \(cycle.joined(separator: " -> "))")
        }
    }

    // MARK: - Typed values

    mutating func checkKeys(_ pairs: [(key: String, value: Node, keyNode: Node)], allowed: [String], place: String) {
        for pair in pairs where !allowed.contains(pair.key) {
            report(
                pair.keyNode, "unknown key '\(pair.key)' in \(place)",
                hint: Suggestion.hint(for: pair.key, among: allowed))
        }
    }

    /// Reports a template's syntax error or unknown variable name at the line it is on.
    mutating func checkTemplate(_ text: String, node: Node, what: String) {
        do {
            try TemplateRenderer.check(text)
        } catch {
            report(node, "template error in \(what): \(error.message)")
        }
    }

    mutating func mapping(_ node: Node, what: String) -> [(key: String, value: Node, keyNode: Node)]? {
        guard case .mapping(let mapping) = node else {
            report(node, "expected \(what) to be a mapping, got \(node.kindName)")
            return nil
        }
        var seen: Set<String> = []
        var pairs: [(key: String, value: Node, keyNode: Node)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                report(keyNode, "keys in \(what) must be strings, got \(keyNode.kindName)")
                continue
            }
            if !seen.insert(key).inserted {
                report(keyNode, "duplicate key '\(key)' in \(what)")
                continue
            }
            pairs.append((key, value, keyNode))
        }
        return pairs
    }

    mutating func string(_ node: Node, what: String) -> String? {
        guard case .scalar(let scalar) = node else {
            report(node, "expected a string for \(what), got \(node.kindName)")
            return nil
        }
        if node.isNull {
            report(node, "\(what) must not be empty")
            return nil
        }
        return scalar.string
    }

    mutating func int(_ node: Node, what: String) -> Int? {
        guard let value = node.int else {
            report(node, "expected a whole number for \(what), got \(node.describedValue)")
            return nil
        }
        return value
    }

    mutating func duration(_ node: Node, what: String) -> Double? {
        guard case .scalar(let scalar) = node, let seconds = DurationParser.seconds(scalar.string) else {
            report(
                node, "invalid duration \(node.describedValue) for \(what)",
                hint: "use seconds or units, e.g. 30, 45s, 5m, 1h30m, 500ms")
            return nil
        }
        return seconds
    }

    mutating func stringList(_ node: Node, what: String) -> [String]? {
        guard case .sequence(let items) = node else {
            report(node, "expected a list for \(what), got \(node.kindName)")
            return nil
        }
        var result: [String] = []
        for item in items {
            guard let value = string(item, what: "an item of \(what)") else { return nil }
            result.append(value)
        }
        return result
    }

    mutating func environment(_ node: Node, place: String) -> [String: String] {
        guard let pairs = mapping(node, what: "env in \(place)") else { return [:] }
        var env: [String: String] = [:]
        for pair in pairs {
            guard Identifier.isEnvironmentName(pair.key) else {
                report(pair.keyNode, "invalid environment variable name '\(pair.key)' in \(place)")
                continue
            }
            guard case .scalar(let scalar) = pair.value else {
                report(pair.value, "env '\(pair.key)' in \(place) must be a string, got \(pair.value.kindName)")
                continue
            }
            env[pair.key] = pair.value.isNull ? "" : scalar.string
            checkTemplate(scalar.string, node: pair.value, what: "env '\(pair.key)' in \(place)")
        }
        return env
    }

    mutating func jsonValue(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if node.isNull { return .null }
            if let value = node.bool { return .bool(value) }
            if let value = node.int { return .number(Double(value)) }
            if let value = node.float {
                // JSON, where params are stored and sent, has no infinity or NaN.
                guard value.isFinite else {
                    report(
                        node, "params value '\(scalar.string)' is not a finite number", hint: "quote it to pass text")
                    return .null
                }
                return .number(value)
            }
            return .string(scalar.string)
        case .sequence(let items):
            return .array(items.map { jsonValue($0) })
        case .mapping:
            guard let pairs = mapping(node, what: "params") else { return .null }
            return .object(Dictionary(pairs.map { ($0.key, jsonValue($0.value)) }, uniquingKeysWith: { a, _ in a }))
        case .alias(let alias):
            report(node, "YAML aliases are not supported in params (alias '\(alias.anchor)')")
            return .null
        }
    }
}

extension Node {
    var isNull: Bool {
        guard case .scalar = self else { return false }
        return null != nil
    }

    var kindName: String {
        switch self {
        case .scalar: isNull ? "null" : "a scalar"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    var describedValue: String {
        if case .scalar(let scalar) = self { return "'\(scalar.string)'" }
        return kindName
    }
}
