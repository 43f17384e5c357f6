import Foundation
import TideCore
import TidePostgres

extension SchedulerService {
    /// Fails the local tries of dead workers the way a worker records a failed try: the task's
    /// retry rule (`retry_delay`, exponential back-off) and its callbacks apply. Returns the runs
    /// whose tries changed.
    func failTriesOfDeadWorkers(_ lost: [TaskInstanceStore.LostTry]) async throws -> [Int64] {
        var runIds: [Int64] = []
        let timeout = settings.workerTimeoutSeconds
        let timeoutText = timeout.rounded() == timeout ? "\(Int(timeout)) s" : "\(timeout) s"
        for item in lost {
            let task = try await dagOfRun(item.runId)?.task(item.taskId)
            let notice =
                "worker \(item.workerId) stopped heartbeating (none for over \(timeoutText)): this try is failed; "
                + "anything it reports later is not recorded"
            let retryDelay =
                task.map {
                    RetryPolicy.delaySeconds(
                        for: $0, dagId: item.dagId, logicalDate: Date(timeIntervalSince1970: item.logicalDate),
                        tryNumber: item.tryNumber)
                } ?? item.storedRetryDelaySeconds
            let callbacks =
                task.map {
                    CallbackStore.tryItems(
                        task: $0, dagId: item.dagId, runName: item.runName, runNumber: item.runId,
                        logicalDate: item.logicalDate, tryNumber: item.tryNumber, log: notice)
                } ?? [:]
            if try await tasks.failLostTry(item, notice: notice, retryDelaySeconds: retryDelay, callbacks: callbacks)
                != nil
            {
                runIds.append(item.runId)
            }
        }
        return runIds
    }
}
