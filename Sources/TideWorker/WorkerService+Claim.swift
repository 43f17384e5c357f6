import Foundation
import TideCore
import TidePostgres

/// Claiming a popped try: only with a fresh heartbeat, and through a short PostgreSQL outage.
extension WorkerService {
    /// How long a claim is retried while PostgreSQL does not answer (a restart, a failover). The
    /// popped message is the only copy meanwhile; after this the message goes back to its queue.
    static let claimRetryLimit = Duration.seconds(20)

    /// Claims the tries of `messages` in one fenced statement. A try missing from the result is
    /// not this worker's to run (already claimed, or moved on).
    func claim(_ messages: [TaskMessage]) async throws -> [TaskInstanceStore.TryRef: TaskInstanceStore.ClaimedTry] {
        let deadline = ContinuousClock.now + Self.claimRetryLimit
        let tries = messages.map {
            TaskInstanceStore.TryRef(taskInstanceId: $0.taskInstanceId, tryNumber: $0.tryNumber)
        }
        var attempts = OutageTracker()
        while true {
            do {
                if heartbeatIsStale { try await heartbeat() }
                let claimed = try await tasks.claim(
                    tries, workerId: identity.id, hostname: identity.hostname, pid: identity.pid)
                databaseRecovered()
                return claimed
            } catch {
                databaseFailed(error, doing: "claim")
                _ = attempts.failed()
                guard ContinuousClock.now < deadline, !draining.value, !Task.isCancelled else { throw error }
                try? await Task.sleep(for: attempts.backoff(cap: .seconds(2)))
            }
        }
    }

    /// Stores a heartbeat; says so when the scheduler had declared this worker dead meanwhile.
    func heartbeat() async throws {
        let wasDead = try await workers.heartbeat(
            id: identity.id, running: running.count, state: draining.value ? "draining" : "running",
            clock: Date().timeIntervalSince1970)
        latestHeartbeat.mutate { $0 = .now }
        if wasDead {
            logger.warning(
                "the scheduler had declared this worker dead (its heartbeat was lost): its tries were failed or handed on; serving again"
            )
        }
    }

    /// Whether the latest heartbeat is older than two intervals (PostgreSQL was unreachable, or
    /// this worker cut off): the scheduler may have declared it dead, and a try claimed before the
    /// next heartbeat would be failed as a dead worker's.
    var heartbeatIsStale: Bool {
        guard let latest = latestHeartbeat.value else { return true }
        return ContinuousClock.now - latest > .seconds(2 * settings.heartbeatIntervalSeconds)
    }
}
