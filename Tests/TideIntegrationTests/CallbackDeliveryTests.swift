import Foundation
import Testing
import TideCore
import TidePostgres
import TideTestSupport

@Suite("Callback delivery", .serialized)
struct CallbackDeliveryTests {
    @Test func retryFailureAndRunCallbacksReachTheWebhookAndFailedAttemptsAreRetried() async throws {
        let server = try LoopbackHTTPServer(failFirst: 1)
        defer { server.stop() }
        let hook = "http://127.0.0.1:\(server.port)"
        try await withCluster { cluster in
            try cluster.writeDAG(
                "hooks.yaml",
                """
                dag_id: hooks
                on_failure_callback: {url: "\(hook)/dag", retries: 2}
                tasks:
                  - task_id: flaky
                    retries: 1
                    retry_delay: 100ms
                    on_retry_callback: {url: "\(hook)/retry", headers: {X-Test: secret-token}}
                    on_failure_callback: {url: "\(hook)/failure", format: slack}
                    bash: echo "attempt $TIDE_TRY_NUMBER"; exit 3
                """)
            try await cluster.start(loading: "hooks")
            let run = try await cluster.runToEnd("hooks")
            #expect(run.state == .failed)
            let records = try await Eventually.value("three delivered callbacks", describe: cluster.logs) {
                let all = try await CallbackStore(pool: cluster.schema.pool).forRun(run.id)
                return all.count == 3 && all.allSatisfy { $0.state == "sent" } ? all : nil
            }
            #expect(records.map(\.event) == ["task_retry", "task_failure", "dag_failure"])
            #expect(records.first?.attempts == 2, "the first delivery got a 500 and was retried")
            #expect(records.first?.lastError == nil)
            let requests = server.requests
            // A failed delivery is retried after its back-off; the others do not wait for it.
            #expect(requests.map(\.path).sorted() == ["/dag", "/failure", "/retry", "/retry"])
            #expect(requests.allSatisfy { $0.method == "POST" && $0.headers["content-type"] == "application/json" })
            #expect(requests.first { $0.path == "/retry" }?.headers["x-test"] == "secret-token")
            func body(_ path: String) -> [String: JSONValue] {
                guard let request = requests.last(where: { $0.path == path }),
                    case .object(let fields)? = try? JSONValue.parse(request.body)
                else { return [:] }
                return fields
            }
            #expect(body("/retry")["event"] == .string("task_retry"))
            #expect(body("/retry")["try_number"] == .number(1))
            #expect(body("/retry")["log_tail"] == .string("attempt 1\n"))
            #expect(body("/failure")["text"].map { "\($0)" }?.contains("Task *hooks.flaky* failed (try 2)") == true)
            #expect(body("/dag")["event"] == .string("dag_failure"))
            #expect(body("/dag")["task_id"] == nil)
        }
    }

    @Test func aDeadWebhookDoesNotSlowScheduling() async throws {
        let silent = try LoopbackHTTPServer(accepting: false)
        defer { silent.stop() }
        try await withCluster { cluster in
            var yaml =
                "dag_id: chain\ndefault_args:\n  on_success_callback: {url: \"http://127.0.0.1:\(silent.port)/hook\", timeout: 30s}\ntasks:\n"
            for index in 1...5 {
                yaml +=
                    "  - task_id: s\(index)\n" + (index > 1 ? "    upstream: [s\(index - 1)]\n" : "")
                    + "    bash: 'true'\n"
            }
            try cluster.writeDAG("chain.yaml", yaml)
            try await cluster.start(loading: "chain")
            let run = try await cluster.runToEnd("chain")
            #expect(run.state == .success)
            // The whole chain finished while the first webhook call was still waiting out its 30 s timeout.
            let seconds = (run.endedAt ?? 0) - (run.startedAt ?? 0)
            #expect(seconds < 30)
            let records = try await CallbackStore(pool: cluster.schema.pool).forRun(run.id)
            #expect(records.count == 5)
            #expect(records.allSatisfy { $0.state != "sent" })
        }
    }
}
