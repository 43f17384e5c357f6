import TideCore

@testable import TidePostgres

extension TaskInstanceStore {
    /// The fenced claim of one try, as a worker's batch claim of one message.
    func claim(taskInstanceId: Int64, tryNumber: Int, workerId: String, hostname: String, pid: Int) async throws
        -> ClaimedTry?
    {
        let ref = TryRef(taskInstanceId: taskInstanceId, tryNumber: tryNumber)
        return try await claim([ref], workerId: workerId, hostname: hostname, pid: pid)[ref]
    }

    /// Records a try's end the way a worker does: the retry rule decided from the task instance's
    /// stored `max_tries` and `retry_delay` (or `retryDelaySeconds`), then the fenced finish.
    func finishAsWorker(
        taskInstanceId: Int64, tryNumber: Int, workerId: String, outcome: TryOutcome, exitCode: Int?, log: String,
        logTruncated: Bool = false, logTotalBytes: Int? = nil, retryDelaySeconds: Double? = nil
    ) async throws -> FinishedTry? {
        let row = try await pool.query(
            "SELECT max_tries, retry_delay_seconds FROM task_instances WHERE id = $1", [String(taskInstanceId)]
        ).rows.first
        let decision = RetryDecision.decide(
            outcome: outcome, tryNumber: tryNumber, maxTries: row?.int("max_tries") ?? 1,
            delaySeconds: retryDelaySeconds ?? row?.double("retry_delay_seconds") ?? 0)
        return try await finish(
            TryResult(
                taskInstanceId: taskInstanceId, tryNumber: tryNumber, workerId: workerId, outcome: outcome,
                decision: decision, exitCode: exitCode, log: log, logTruncated: logTruncated,
                logTotalBytes: logTotalBytes))
    }
}
