import Foundation
import Logging
import ServiceLifecycle
import TideCore
import TideHTTP
import TidePostgres
import TideRedis

/// Delivers the callback outbox: POSTs each callback with its timeout, retries failures with
/// back-off, and records the outcome.
///
/// It runs beside the scheduling loop with its own HTTP thread and connections, so a slow or dead
/// webhook delays only other callbacks, never scheduling. Several schedulers can run senders at
/// once: each callback is leased to one of them.
public final class CallbackSender: Service, Sendable {
    let store: CallbackStore
    let redis: RedisEndpoint
    let keys: RedisKeys
    let logger: Logger

    public init(pool: PGPool, redis: RedisEndpoint, keys: RedisKeys, logger: Logger) {
        store = CallbackStore(pool: pool)
        self.redis = redis
        self.keys = keys
        self.logger = logger
    }

    public func run() async throws {
        let wake = try await RedisConnection.connect(redis, name: "callbacks")
        let client = CurlHTTPClient(name: "callbacks")
        defer {
            wake.close()
            client.close()
        }
        let stopping = LockedBox(false)
        await withGracefulShutdownHandler {
            var outage = OutageTracker()
            while !stopping.value && !Task.isCancelled {
                do {
                    let due = try await store.claim()
                    for item in due { await deliver(item, with: client) }
                    if due.isEmpty {
                        // Sleeps until a producer pushes a wake-up, at most a second.
                        _ = try await wake.command(["BRPOP", keys.callbacks, "1"])
                        _ = try await wake.command(["DEL", keys.callbacks])
                    }
                    if outage.succeeded()?.announced == true { logger.notice("callback delivery is running again") }
                } catch {
                    if outage.failed() {
                        logger.error(
                            "callback delivery cannot reach PostgreSQL or Redis; retrying with back-off",
                            metadata: ["error": "\(error)"])
                    }
                    try? await Task.sleep(for: outage.backoff())
                }
            }
        } onGracefulShutdown: {
            stopping.mutate { $0 = true }
        }
    }

    private func deliver(_ item: CallbackStore.Item, with client: CurlHTTPClient) async {
        let safeURL = SecretRedaction.redactingPassword(in: item.url)
        var metadata: Logger.Metadata = [
            "callback.event": "\(item.event.rawValue)", "callback.url": "\(safeURL)", "dag.id": "\(item.dagId)",
            "callback.attempt": "\(item.attempts)",
        ]
        if let taskId = item.taskId { metadata["task.id"] = "\(taskId)" }
        let failure: String
        do {
            let headers = ["Content-Type: application/json"] + item.headers.map { "\($0.key): \($0.value)" }
            let response = try await client.request(
                "POST", item.url, headers: headers, body: Array(item.body.utf8), timeoutSeconds: item.timeoutSeconds)
            if (200..<300).contains(response.status) {
                try? await store.markSent(item.id)
                logger.info("callback delivered", metadata: metadata)
                return
            }
            failure = "HTTP \(response.status)"
        } catch {
            failure = "\(error)"
        }
        // 2, 4, 8 … seconds between attempts, at most a minute.
        let backoff = min(60, pow(2, Double(item.attempts)))
        try? await store.markAttemptFailed(item.id, error: failure, retryInSeconds: backoff)
        metadata["error"] = "\(failure)"
        if item.attempts >= item.maxAttempts {
            logger.error("callback failed for good", metadata: metadata)
        } else {
            logger.warning("callback attempt failed; will retry", metadata: metadata)
        }
    }
}
