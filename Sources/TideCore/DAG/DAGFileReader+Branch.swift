import Yams

extension DAGFileReader {
    /// Reads a task's `branch: true`: a `bash` or `command` task (local or `executor: kubernetes`)
    /// whose return value names the tasks to follow (``BranchChoice``).
    mutating func readBranch(_ fields: [String: Node], kind: TaskKind?, taskId: String) -> Bool {
        guard let node = fields["branch"], !node.isNull,
            let value = boolean(node, what: "branch in task '\(taskId)'")
        else { return false }
        if value, let kind, !kind.isLocalCommand {
            report(
                node, "branch is for bash and command tasks; task '\(taskId)' is \(kind.name)",
                hint: "a branch prints the task id(s) to follow as its last line of output")
            return false
        }
        return value
    }

    /// A branch task chooses among the tasks directly downstream of it: it needs some.
    mutating func checkBranches(_ tasks: [TaskSpec], taskNodes: [String: Node]) {
        let parents = Set(tasks.flatMap(\.upstream))
        for task in tasks where task.branch && !parents.contains(task.taskId) {
            report(
                taskNodes[task.taskId], "branch task '\(task.taskId)' has no tasks downstream to choose from",
                hint: "list it in the upstream of the tasks it chooses between")
        }
    }
}
