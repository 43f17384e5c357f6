import Yams

extension DAGFileReader {
    /// Reads a task's `branch: true`, or `branch: [a, b]` (the tasks it may choose): a `bash` or
    /// `command` task (local or `executor: kubernetes`), or a `kubernetes_pod` task (its
    /// `/airflow/xcom/return.json`), whose return value names the tasks to follow (``BranchChoice``).
    mutating func readBranch(_ fields: [String: Node], kind: TaskKind?, taskId: String) -> (Bool, [String]) {
        guard let node = fields["branch"], !node.isNull else { return (false, []) }
        var choices: [String] = []
        if case .sequence = node {
            guard let listed = stringList(node, what: "branch choices of task '\(taskId)'") else { return (false, []) }
            guard !listed.isEmpty else {
                report(
                    node, "branch of task '\(taskId)' lists no choices",
                    hint: "list the tasks it may choose, or say true")
                return (false, [])
            }
            choices = listed
        } else {
            guard let value = boolean(node, what: "branch in task '\(taskId)'") else { return (false, []) }
            guard value else { return (false, []) }
        }
        if let kind, !kind.isLocalCommand, !kind.isKubernetesPod {
            report(
                node, "branch is for bash, command and kubernetes_pod tasks; task '\(taskId)' is \(kind.name)",
                hint: "a branch returns the task id(s) to follow")
            return (false, [])
        }
        return (true, choices)
    }

    /// A branch task chooses among the tasks directly downstream of it: it needs some.
    mutating func checkBranches(_ tasks: [TaskSpec], taskNodes: [String: Node]) {
        let parents = Set(tasks.flatMap(\.upstream))
        for task in tasks where task.branch && !parents.contains(task.taskId) {
            report(
                taskNodes[task.taskId], "branch task '\(task.taskId)' has no tasks downstream to choose from",
                hint: "list it in the upstream of the tasks it chooses between")
        }
        // Declared choices are tasks directly downstream of the branch.
        for task in tasks where !task.branchChoices.isEmpty && parents.contains(task.taskId) {
            let children = tasks.filter { $0.upstream.contains(task.taskId) }.map(\.taskId)
            for choice in task.branchChoices where !children.contains(choice) {
                let isTask = tasks.contains { $0.taskId == choice }
                report(
                    taskNodes[task.taskId],
                    isTask
                        ? "branch task '\(task.taskId)' may choose '\(choice)', which is not directly downstream of it"
                        : "branch task '\(task.taskId)' may choose '\(choice)', which is not a task of the DAG",
                    hint: isTask
                        ? "add '\(task.taskId)' to the upstream of '\(choice)'"
                        : Suggestion.hint(for: choice, among: children))
            }
        }
    }
}
