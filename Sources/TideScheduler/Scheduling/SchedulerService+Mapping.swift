import TideCore
import TidePostgres
import TideRedis

/// A mapped task whose dependencies are met and whose instances are all undecided.
struct ReadyMappedTask: Sendable {
    var runId: Int64
    var taskId: String
    var dag: CompiledDAG
    /// Its instances (one before its first expansion).
    var instanceIds: [Int64]
}

extension SchedulerService {
    /// The instances' states of each expanded mapped task, for the trigger rules downstream of it.
    static func mappedInstances(_ current: [String: TaskInstanceStore.TaskInstances], dag: CompiledDAG)
        -> [String: [TaskState]]
    {
        guard !dag.mapped.isEmpty else { return [:] }
        var instances: [String: [TaskState]] = [:]
        for taskId in dag.mapped {
            if let found = current[taskId], found.isExpanded { instances[taskId] = found.instances.map(\.state) }
        }
        return instances
    }

    /// Expands each ready mapped task over what it maps over now (Airflow expands when the task is
    /// ready): one instance per item. Nothing to map over skips it; a result that cannot be mapped
    /// (gone, or not a list, since its task succeeded) fails it as `upstream_failed`, as Airflow
    /// leaves it. A run whose mapped task was decided here is evaluated again on the next pass.
    /// - Returns: the ids of the mapped instances to queue.
    func expand(_ ready: [ReadyMappedTask], push: RedisConnection) async throws -> [Int64] {
        guard !ready.isEmpty else { return [] }
        var toQueue: [Int64] = []
        var decided: Set<Int64> = []
        let results = XComStore(pool: dependencies.pool)
        for task in ready {
            guard let expansion = task.dag.task(task.taskId)?.expand else { continue }
            var items: [String: [JSONValue]] = [:]
            var problem: ExpansionError?
            let pulled = try await results.pull(runId: task.runId, expansion.pulls, mapped: task.dag.mapped)
            for argument in expansion.arguments where problem == nil {
                let value: JSONValue? =
                    switch argument.source {
                    case .literal(let list): .array(list)
                    case .result(let pull): pulled[pull]
                    }
                do {
                    items[argument.name] = try TaskExpansion.items(of: value, maxLength: dependencies.maxMapLength)
                } catch {
                    problem = error
                }
            }
            if let problem {
                logger.error(
                    "cannot expand mapped task",
                    metadata: ["run.id": "\(task.runId)", "task.id": "\(task.taskId)", "error": "\(problem)"])
                try await tasks.markUnrunnable(task.instanceIds, as: .upstreamFailed)
                decided.insert(task.runId)
                continue
            }
            let instances = expansion.instances(items: items).map { JSONValue.object($0).jsonText }
            switch try await tasks.expand(runId: task.runId, taskId: task.taskId, items: instances) {
            case .expanded(let ids):
                toQueue += ids
                logger.info(
                    "mapped task expanded",
                    metadata: ["run.id": "\(task.runId)", "task.id": "\(task.taskId)", "instances": "\(ids.count)"])
            case .skipped:
                decided.insert(task.runId)
            case .unchanged:
                break
            }
        }
        try await EventChannel(keys: dependencies.keys).publish(
            decided.sorted().map { TaskEvent(kind: .runChanged, runId: $0) }, on: push)
        return toQueue
    }
}
