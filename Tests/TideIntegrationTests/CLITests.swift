import Foundation
import Testing
import TideCore
import TideTestSupport

/// The `tide` binary as a user meets it: bad input gives one clear line and a hint, exit 1,
/// never a stack trace.
@Suite("CLI")
struct CLITests {
    private func tide(_ arguments: [String], _ environment: [String: String] = [:]) async throws -> (
        status: Int32, output: String
    ) {
        try await runTide(arguments, environment: ["TIDE_CONFIG": "/dev/null"].merging(environment) { $1 })
    }

    @Test func validateReportsEveryBrokenFileWithItsLine() async throws {
        let folder = NSTemporaryDirectory() + "tide-validate-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "dag_id: good\ntasks:\n  - task_id: a\n    bash: echo\n".write(
            toFile: folder + "/good.yaml", atomically: true, encoding: .utf8)
        try "dag_id: bad\ntasks:\n  - task_id: a\n    retires: 2\n    bash: echo\n".write(
            toFile: folder + "/bad.yaml", atomically: true, encoding: .utf8)
        try "dag_id: good\ntasks:\n  - task_id: b\n    bash: echo\n".write(
            toFile: folder + "/zz_dup.yaml", atomically: true, encoding: .utf8)
        let result = try await tide(["dags", "validate", folder])
        #expect(result.status == 1)
        #expect(result.output.contains("ok     good (good.yaml, 1 tasks)"))
        #expect(
            result.output.contains("error  bad.yaml:4:5: unknown key 'retires' in task 'a' (did you mean 'retries'?)"))
        #expect(result.output.contains("error  zz_dup.yaml: duplicate dag_id 'good' (already defined in good.yaml)"))
        #expect(result.output.contains("1 valid, 2 broken"))
        let single = try await tide(["dags", "validate", folder + "/good.yaml", "--output", "json"])
        #expect(single.status == 0)
        #expect(single.output.contains("\"valid\" : [\n    \"good\"\n  ]"))
    }

    @Test(arguments: [
        (
            ["TIDE_WORKER_CONCURRENCY": "lots"],
            "error: TIDE_WORKER_CONCURRENCY: expected a whole number of at least 1, got 'lots'"
        ),
        (
            ["TIDE_REDIS_URL": "http://cache"],
            "error: TIDE_REDIS_URL / redis_url: invalid Redis URL: expected it to start with redis://"
        ),
        (
            ["TIDE_DATABASE_URL": "mysql://u:hunter2@db/x"],
            "error: TIDE_DATABASE_URL / database_url: expected a postgres:// URL, got 'mysql://u:***@db/x'"
        ),
    ])
    func badConfigurationIsOneClearLine(environment: [String: String], expected: String) async throws {
        let result = try await tide(["dags", "list"], environment)
        #expect(result.status == 1)
        #expect(result.output.hasPrefix(expected))
        #expect(!result.output.contains("hunter2"))
        #expect(!result.output.contains("Fatal error"))
    }

    @Test func unreachableDatabaseGivesAHintAndMasksThePassword() async throws {
        let result = try await tide(
            ["runs", "list"], ["TIDE_DATABASE_URL": "postgres://tide:hunter2@127.0.0.1:1/tide"])
        #expect(result.status == 1)
        #expect(result.output.hasPrefix("error: postgres: connection to server at \"127.0.0.1\", port 1 failed"))
        #expect(result.output.contains("hint: is PostgreSQL running and TIDE_DATABASE_URL right?"))
        #expect(!result.output.contains("hunter2"))
    }

    @Test func badArgumentsAreRejectedBeforeAnyWork() async throws {
        let conf = try await tide(["dags", "trigger", "x", "--conf", "{not json"])
        #expect(conf.status == 1)
        #expect(conf.output.hasPrefix("error: --conf: invalid JSON"))
        #expect(conf.output.contains("hint: give a JSON object"))
        let list = try await tide(["dags", "trigger", "x", "--conf", "[1,2]"])
        #expect(list.output.hasPrefix("error: --conf: expected a JSON object, got [1,2]"))
        let queues = try await tide(["worker", "--queues", "a b"])
        #expect(queues.status == 1)
        #expect(queues.output.hasPrefix("error: --queues: expected comma-separated queue names, got 'a b'"))
        let missing = try await tide(["dags", "validate", "/no/such/path"])
        #expect(missing.output.hasPrefix("error: '/no/such/path' does not exist"))
        let configFile = try await tide(["dags", "list", "--config", "/no/such/tide.yaml"])
        #expect(configFile.output.hasPrefix("error: configuration file '/no/such/tide.yaml' does not exist"))
    }

    @Test func configFileIsReadAndUnknownKeysAreNamed() async throws {
        let path = NSTemporaryDirectory() + "tide-\(UUID().uuidString.prefix(8)).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "worker:\n  concurency: 4\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await tide(["config", "show", "--config", path])
        #expect(result.status == 1)
        #expect(
            result.output.hasPrefix(
                "error: \(path):2: unknown configuration key 'worker.concurency' (did you mean 'worker.concurrency'?)"))
        try "worker:\n  concurrency: 4\nredis_url: redis://:pw123@cache:6379/1\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let shown = try await tide(["config", "show", "--config", path], ["TIDE_DAGS_FOLDER": "/srv/dags"])
        #expect(shown.status == 0)
        #expect(shown.output.range(of: "worker.concurrency +4\n", options: .regularExpression) != nil)
        #expect(shown.output.contains("redis://:***@cache:6379/1"))
        #expect(shown.output.contains("/srv/dags"))
        #expect(!shown.output.contains("pw123"))
    }

    /// `config show` has a line for every worker key `config keys` lists, with the value in effect.
    @Test func configShowListsEveryWorkerKey() async throws {
        let shown = try await tide(
            ["config", "show", "--config", "/dev/null"], ["TIDE_WORKER_TASK_NICENESS": "15"])
        #expect(shown.status == 0)
        let shownKeys = Set(shown.output.split(separator: "\n").compactMap { $0.split(separator: " ").first })
        for key in ConfigurationKey.all.map(\.fileKey) where key.hasPrefix("worker.") {
            #expect(shownKeys.contains(Substring(key)), "config show lacks \(key)")
        }
        #expect(shown.output.range(of: "worker.task_niceness +15\n", options: .regularExpression) != nil)
    }
}
