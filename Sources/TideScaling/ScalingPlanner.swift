/// Turns the demand of every queue and node pool into a ``ScalingReport``, continuing the
/// recommendation windows of the previous report.
public enum ScalingPlanner {
    /// - Parameters:
    ///   - queues: each queue's demand now.
    ///   - nodePools: each node pool's pods now.
    ///   - policy: the bounds and damping of a queue.
    ///   - previous: the last report (of any scheduler), whose history the windows continue.
    ///   - now: seconds since 1970.
    public static func plan(
        queues: [QueueDemand], nodePools: [NodePoolDemand], policy: (String) -> ReplicaPolicy,
        previous: ScalingReport?, now: Double, intervalSeconds: Double
    ) -> ScalingReport {
        var report = ScalingReport(generatedAt: now, intervalSeconds: intervalSeconds)
        for demand in queues {
            let queuePolicy = policy(demand.queue)
            let needed = ReplicaRecommender.needed(
                load: demand.queued + demand.running, perReplica: demand.workerConcurrency)
            let outcome = ReplicaRecommender.evaluate(
                needed: needed, current: demand.workers, policy: queuePolicy,
                history: previous?.history[demand.queue] ?? [], now: now)
            report.history[demand.queue] = outcome.history
            report.queues[demand.queue] = QueueHint(
                queued: demand.queued, running: demand.running, heldBack: demand.heldBack.values.reduce(0, +),
                heldBackBy: demand.heldBack, workers: demand.workers, workerConcurrency: demand.workerConcurrency,
                neededWorkers: needed, desiredWorkers: outcome.desired, minWorkers: queuePolicy.minReplicas,
                maxWorkers: queuePolicy.maxReplicas)
        }
        for demand in nodePools { report.nodePools[demand.pool] = NodePoolHint(demand) }
        return report
    }
}
