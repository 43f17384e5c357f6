import Foundation
import Testing
import TideCore
import TideTestSupport

@Suite("Secrets never reach a log")
struct SecretsTests {
    /// `url` without its password, and the password.
    static func split(_ url: String) throws -> (url: String, password: String) {
        let scheme = try #require(url.range(of: "://"))
        let at = try #require(url.range(of: "@", options: .backwards))
        let userInfo = url[scheme.upperBound..<at.lowerBound]
        let colon = try #require(userInfo.firstIndex(of: ":"))
        let password = String(userInfo[userInfo.index(after: colon)...])
        return (String(url[..<scheme.upperBound]) + userInfo[..<colon] + url[at.lowerBound...], password)
    }

    @Test func passwordsFromFilesAndSecretEnvValuesAreUsedButNeverLoggedOrStored() async throws {
        try await withCluster { cluster in
            let database = try Self.split(cluster.schema.url)
            let redis = try Self.split(try TestServices.redisURL())
            let folder = NSTemporaryDirectory() + "tide-secrets-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try (database.password + "\n").write(toFile: folder + "/db", atomically: true, encoding: .utf8)
            try redis.password.write(toFile: folder + "/redis", atomically: true, encoding: .utf8)
            let token = "tok-\(UUID().uuidString)"
            // Credentials only from mounted files, as a container gets them; the URLs carry none.
            let settings = [
                "TIDE_DATABASE_URL": database.url, "TIDE_DATABASE_PASSWORD_FILE": folder + "/db",
                "TIDE_REDIS_URL": redis.url, "TIDE_REDIS_PASSWORD_FILE": folder + "/redis",
                "WAREHOUSE_TOKEN": token,
            ]
            try cluster.writeDAG(
                "secret.yaml",
                """
                dag_id: secret
                tasks:
                  - task_id: uses_token
                    secret_env: {TOKEN: WAREHOUSE_TOKEN}
                    bash: |
                      test "${#TOKEN}" -eq \(token.count) || exit 3
                      echo "token is $TOKEN"
                      echo "and again: $TOKEN." >&2
                  - task_id: lacks_secret
                    secret_env: {OTHER: NOT_GIVEN_TO_THE_WORKER}
                    bash: echo never runs
                """)
            try cluster.startScheduler(settings)
            try cluster.startWorker(concurrency: 2, settings)
            try await cluster.waitForDAG("secret")
            let run = try await cluster.runToEnd("secret")
            let tasks = try await cluster.instances(run.id)
            #expect(tasks["uses_token"]?.state == .success, "the task got the secret's value")
            let log = try #require(try await cluster.tasks.logs(runId: run.id, taskId: "uses_token").first?.content)
            #expect(log.contains("token is ***"))
            #expect(log.contains("and again: ***."))
            #expect(tasks["lacks_secret"]?.state == .failed)
            let lacking = try #require(
                try await cluster.tasks.logs(runId: run.id, taskId: "lacks_secret").first?.content)
            #expect(lacking.contains("secret_env OTHER: this process has no variable NOT_GIVEN_TO_THE_WORKER"))

            // Every process's output, every stored log and the CLI's view: none holds a secret.
            let shown = try await cluster.cli(["config", "show"])
            var everything = await cluster.logs() + shown.output
            for task in ["uses_token", "lacks_secret"] {
                for entry in try await cluster.tasks.logs(runId: run.id, taskId: task) { everything += entry.content }
            }
            for secret in [token, database.password, redis.password] {
                #expect(!everything.contains(secret), "a secret reached a log")
            }
            #expect(everything.contains("token is ***"))
            try? FileManager.default.removeItem(atPath: folder)
        }
    }
}
