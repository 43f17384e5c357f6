import TideCore
import TidePostgres

extension SchedulerService {
    /// The choices of the succeeded branch tasks among `states` (a run's states the resolver reads),
    /// as their tries stored them; none to read for a DAG without branch tasks.
    func branchChoices(runId: Int64, dag: CompiledDAG, states: [String: TaskState]) async throws
        -> [String: BranchChoice]
    {
        guard dag.anyBranch else { return [:] }
        let succeeded = states.compactMap { taskId, state in
            state == .success && dag.task(taskId)?.branch == true ? taskId : nil
        }
        guard !succeeded.isEmpty else { return [:] }
        let stored = try await XComStore(pool: dependencies.pool).pull(
            runId: runId, succeeded.map { XComPull(taskId: $0, key: BranchChoice.xcomKey) })
        var choices: [String: BranchChoice] = [:]
        for (pull, value) in stored {
            if let choice = BranchChoice(value) { choices[pull.taskId] = choice }
        }
        return choices
    }
}
