import Foundation
import TideCore
import TidePostgres
import TideRedis

extension SchedulerService {
    /// The scheduler's built-in maintenance jobs. Each wakes the core with an event when it
    /// changed something the core acts on.
    func maintenanceJobs(redis: RedisConnection) -> [MaintenanceJob] {
        let poll = Duration.seconds(settings.pollIntervalSeconds)
        let channel = EventChannel(keys: dependencies.keys)
        let hostname = ProcessInfo.processInfo.hostName
        let clockId = "\(hostname):\(ProcessInfo.processInfo.processIdentifier):\(UInt32.random(in: 0...UInt32.max))"
        return [
            MaintenanceJob(name: "dag-sync", interval: .seconds(settings.dagSyncIntervalSeconds)) { [self] in
                do {
                    try await synchronizer.sync()
                } catch let error as DagFolderError {
                    logger.error("cannot read DAG folder", metadata: ["error": "\(error)"])
                }
                return nil
            },
            MaintenanceJob(name: "run-creation", interval: poll) { [self] in
                let outcome = try await runCreator.createDueRuns(now: Date())
                try await channel.publish(outcome.created.map { TaskEvent(kind: .runCreated, runId: $0.id) }, on: redis)
                // Back when the next scheduled interval ends.
                return outcome.nextDue.map { .seconds(max(0, $0.timeIntervalSinceNow)) }
            },
            MaintenanceJob(name: "dataset-runs", interval: poll) { [self] in
                // A run of each DAG all of whose datasets were updated since its last such run.
                let store = DatasetStore(pool: dependencies.pool)
                for dagId in try await store.readyDAGs() {
                    guard let run = try await store.createTriggeredRun(dagId: dagId) else { continue }
                    logger.info(
                        "dataset-triggered run created", metadata: ["dag.id": "\(dagId)", "run.id": "\(run.id)"])
                    try await channel.publish([TaskEvent(kind: .runCreated, runId: run.id)], on: redis)
                }
                return nil
            },
            MaintenanceJob(name: "run-timeouts", interval: poll) { [self] in
                try await timeOutRuns()
                return nil
            },
            MaintenanceJob(name: "rescuer", interval: poll) { [self] in
                try await rescueTriesOfDeadWorkers(redis: redis)
                return nil
            },
            MaintenanceJob(name: "re-pusher", interval: poll) { [self] in
                try await repushLostMessages(redis)
                return nil
            },
            MaintenanceJob(name: "clock", interval: .seconds(30)) { [self] in
                // How far this scheduler's clock is from PostgreSQL's, for `tide doctor`.
                try await SchedulerClockStore(pool: dependencies.pool).record(
                    id: clockId, hostname: hostname, clock: Date().timeIntervalSince1970)
                return nil
            },
            MaintenanceJob(name: "pruner", interval: .seconds(60)) { [self] in
                // The API's event feed keeps an hour; clients that fall further behind list states again.
                try await StateEventStore(pool: dependencies.pool).prune(olderThanSeconds: 3600)
                // Stopped and dead workers stay listed (API, UI) for a day.
                try await WorkerStore(pool: dependencies.pool).pruneGone(olderThanSeconds: 86_400)
                try await SchedulerClockStore(pool: dependencies.pool).prune(olderThanSeconds: 86_400)
                return nil
            },
        ]
    }

    /// Pod tries of dead workers go back to `queued` (same try, for adoption); their local tries
    /// are failed through the retry rule. The core hears of every run that changed. Right after
    /// an outage (of this job's calls or the core's) every heartbeat is old because the database
    /// was away, not the workers: it only checks contact then, until `worker_timeout` has passed.
    func rescueTriesOfDeadWorkers(redis: RedisConnection) async throws {
        do {
            if mayJudgeHeartbeats && Self.inContact(rescuerContact.value, for: settings.workerTimeoutSeconds) {
                try await rescueNow(redis: redis)
            } else {
                try await dependencies.pool.query("SELECT 1", context: "rescuer contact")
            }
            _ = rescuerContact.mutate { $0.succeeded() }
        } catch {
            _ = rescuerContact.mutate { $0.failed() }
            throw error
        }
    }

    private func rescueNow(redis: RedisConnection) async throws {
        let rescued = try await tasks.rescueTriesOfDeadWorkers(heartbeatOlderThan: settings.workerTimeoutSeconds)
        let failedRuns = try await failTriesOfDeadWorkers(rescued.lost)
        let changed = Set(failedRuns + rescued.runIds).sorted()
        if !changed.isEmpty {
            logger.warning("rescued tries of dead workers", metadata: ["runs": "\(changed)"])
        }
        if !rescued.adopted.isEmpty {
            // Same try number: the worker that claims it reattaches to the pod.
            try await TaskQueue(keys: dependencies.keys).enqueue(
                rescued.adopted.map { TaskQueue.Entry(message: $0.message, priority: $0.priority) }, on: redis)
            logger.warning(
                "pod tries of dead workers queued for adoption", metadata: ["count": "\(rescued.adopted.count)"])
        }
        try await EventChannel(keys: dependencies.keys).publish(
            changed.map { TaskEvent(kind: .runChanged, runId: $0) }, on: redis)
    }
}
