import TideCore
import TidePostgres
import TideScaling

/// Turns a ``ScalingStore/Snapshot`` into the demand of each queue and node pool.
struct ScalingDemand {
    let settings: ScalingSettings
    /// `worker.concurrency`: the size of a worker of a queue with no live worker and no override.
    let defaultConcurrency: Int
    let nodePools: [NodePool]

    /// The queues to report: those with work, workers or a limit holding tasks back, the
    /// configured ones and `default`, and those of the previous report whose window still holds a
    /// non-zero recommendation (so a queue is dropped only once it has been idle a whole window).
    func queues(
        snapshot: ScalingStore.Snapshot, heldBack: [String: [String: Int]], previous: ScalingReport?
    ) -> [QueueDemand] {
        var names = Set(snapshot.load.keys).union(snapshot.workers.keys).union(heldBack.keys)
        names.formUnion(settings.queues.keys)
        names.insert("default")
        for (queue, history) in previous?.history ?? [:] where history.contains(where: { $0.replicas > 0 }) {
            names.insert(queue)
        }
        return names.sorted().map { queue in
            let workers = snapshot.workers[queue] ?? ScalingStore.QueueWorkers()
            let measured = workers.workers > 0 ? max(1, workers.slots / workers.workers) : nil
            return QueueDemand(
                queue: queue, queued: snapshot.load[queue]?.queued ?? 0, running: snapshot.load[queue]?.running ?? 0,
                heldBack: heldBack[queue] ?? [:], workers: workers.workers,
                workerConcurrency: settings.queues[queue]?.workerConcurrency ?? measured ?? defaultConcurrency)
        }
    }

    /// The policy of one queue: its overrides over the global bounds.
    func policy(_ queue: String) -> ReplicaPolicy {
        let own = settings.queues[queue]
        return ReplicaPolicy(
            minReplicas: own?.minWorkers ?? settings.minWorkers, maxReplicas: own?.maxWorkers ?? settings.maxWorkers,
            tolerance: settings.tolerance, scaleDownWindowSeconds: settings.scaleDownWindowSeconds)
    }

    /// Every configured node pool (idle ones too, so their hint can fall to the minimum), plus any
    /// other pool named by unfinished pod tasks.
    /// - Parameter requests: the requests of one pod of a task, or nil when its DAG version is unreadable.
    func nodePools(
        snapshot: ScalingStore.Snapshot, requests: (ScalingStore.PodTasks, NodePool?) async -> PodRequests?
    ) async -> [NodePoolDemand] {
        var demand: [String: NodePoolDemand] = [:]
        for pool in nodePools {
            demand[pool.name] = NodePoolDemand(
                pool: pool.name, shape: pool.nodeShape, minNodes: pool.minNodes, maxNodes: pool.maxNodes)
        }
        for tasks in snapshot.podTasks {
            let pool = nodePools.first { $0.name == tasks.nodePool }
            var entry = demand[tasks.nodePool] ?? NodePoolDemand(pool: tasks.nodePool)
            if tasks.running { entry.runningPods += tasks.count } else { entry.pendingPods += tasks.count }
            if let one = await requests(tasks, pool) { entry.requests = entry.requests + one * tasks.count }
            demand[tasks.nodePool] = entry
        }
        return demand.values.sorted { $0.pool < $1.pool }
    }
}
