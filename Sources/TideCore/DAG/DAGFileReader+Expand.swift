import Yams

extension DAGFileReader {
    /// Reads a task's `expand:` (``TaskExpansion``): each argument a literal list, or
    /// `{from: TASK, key: KEY}` for another task's result (its return value when no key is given).
    mutating func readExpand(
        _ fields: [String: Node], kind: TaskKind?, taskId: String, dependsOnPast: Bool, branch: Bool
    ) -> TaskExpansion? {
        guard let node = fields["expand"], !node.isNull,
            let pairs = mapping(node, what: "expand of task '\(taskId)'")
        else { return nil }
        guard !pairs.isEmpty else {
            report(
                node, "expand of task '\(taskId)' has no arguments", hint: "give NAME: [items] or NAME: {from: TASK}")
            return nil
        }
        if let problem = Self.unmappable(kind, branch: branch, dependsOnPast: dependsOnPast) {
            report(node, "expand on task '\(taskId)': \(problem)")
            return nil
        }
        var arguments: [TaskExpansion.Argument] = []
        for pair in pairs {
            let what = "expand.\(pair.key) of task '\(taskId)'"
            guard Identifier.isEnvironmentName(pair.key) else {
                report(pair.keyNode, "\(what): an argument name is letters, digits and '_', not starting with a digit")
                continue
            }
            switch pair.value {
            case .sequence(let items):
                arguments.append(.init(name: pair.key, source: .literal(items.map { jsonValue($0) })))
            case .mapping:
                guard let source = resultSource(pair.value, what: what) else { continue }
                if source.taskId == taskId {
                    report(pair.value, "\(what) expands over the task's own result")
                    continue
                }
                arguments.append(.init(name: pair.key, source: .result(source)))
            default:
                report(
                    pair.value, "\(what) must be a list or {from: TASK}, got \(pair.value.kindName)",
                    hint: "a literal list of items, or another task's result: {from: list_files, key: return_value}")
            }
        }
        return arguments.count == pairs.count ? TaskExpansion(arguments: arguments) : nil
    }

    /// Each `{{ expanded.NAME }}` in the task's templates names one of its `expand` arguments (a
    /// task that is not mapped has none).
    mutating func checkExpandedNames(_ task: TaskSpec, fields: [String: Node], node: Node) {
        let names = Set(task.expand?.arguments.map(\.name) ?? [])
        var reported: Set<String> = []
        let place = DAGParser.kindKeys.compactMap { fields[$0] }.first ?? node
        for text in task.templatedTexts where text.contains("expanded") {
            for match in text.matches(of: Self.expandedReference) {
                let name = String(match.output.1)
                guard !names.contains(name), reported.insert(name).inserted else { continue }
                if names.isEmpty {
                    report(
                        place, "task '\(task.taskId)' reads expanded.\(name) but is not mapped",
                        hint: "add expand: {\(name): [...]} to map it, or remove the reference")
                } else {
                    report(
                        place, "task '\(task.taskId)' reads expanded.\(name), which is not one of its expand arguments",
                        hint: Suggestion.hint(for: name, among: names)
                            ?? "its arguments: \(names.sorted().joined(separator: ", "))")
                }
            }
        }
    }

    /// `expanded.NAME` inside a template expression or tag (`{{ … }}`, `{% … %}`).
    nonisolated(unsafe) private static let expandedReference = #/\{[{%][^}]*?\bexpanded\.([A-Za-z_][A-Za-z0-9_]*)/#

    /// `{from: TASK, key: KEY}`.
    private mutating func resultSource(_ node: Node, what: String) -> XComPull? {
        guard let pairs = mapping(node, what: what) else { return nil }
        checkKeys(pairs, allowed: ["from", "key"], place: what)
        let fields = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        guard let fromNode = fields["from"] else {
            report(node, "\(what) is missing 'from' (the task whose result it expands over)")
            return nil
        }
        guard let from = string(fromNode, what: "\(what).from") else { return nil }
        let key = fields["key"].flatMap { string($0, what: "\(what).key") } ?? XComPull.returnValueKey
        return XComPull(taskId: from, key: key)
    }

    /// Why a task of this kind cannot be mapped (nil when it can).
    static func unmappable(_ kind: TaskKind?, branch: Bool, dependsOnPast: Bool) -> String? {
        if branch { return "a branch task cannot be mapped" }
        if dependsOnPast { return "a depends_on_past task cannot be mapped (not yet)" }
        switch kind {
        case .empty?: return "an empty task runs nothing to map"
        case .sensor(let sensor)? where sensor.check.isCheckedByScheduler:
            return "an external_task sensor cannot be mapped (not yet)"
        default: return nil
        }
    }

    /// Each task's expansion reads results of tasks the DAG has; those tasks run first (as Airflow
    /// makes the task whose result is expanded over an upstream task).
    mutating func checkExpansions(_ tasks: inout [TaskSpec], taskNodes: [String: Node]) {
        let ids = Set(tasks.map(\.taskId))
        // A kubernetes_pod task publishes only with do_xcom_push (its /airflow/xcom/return.json).
        let podTasks = Set(
            tasks.compactMap { task -> String? in
                if case .kubernetesPod = task.kind, !task.doXcomPush { return task.taskId }
                return nil
            })
        for position in tasks.indices {
            guard let expansion = tasks[position].expand else { continue }
            for pull in expansion.pulls {
                if podTasks.contains(pull.taskId) {
                    report(
                        taskNodes[tasks[position].taskId],
                        "task '\(tasks[position].taskId)' expands over a result of '\(pull.taskId)', a kubernetes_pod task without do_xcom_push, which publishes none",
                        hint: "set do_xcom_push: true on it and write the list to /airflow/xcom/return.json")
                } else if !ids.contains(pull.taskId) {
                    report(
                        taskNodes[tasks[position].taskId],
                        "task '\(tasks[position].taskId)' expands over a result of unknown task '\(pull.taskId)'",
                        hint: Suggestion.hint(for: pull.taskId, among: ids))
                } else if !tasks[position].upstream.contains(pull.taskId) {
                    tasks[position].upstream.append(pull.taskId)
                }
            }
        }
    }
}
