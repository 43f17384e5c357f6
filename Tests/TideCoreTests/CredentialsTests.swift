import Foundation
import Testing

@testable import TideCore

@Suite("Credentials apart from the URLs, and *_FILE variables")
final class CredentialsTests {
    /// The secret files this test wrote, removed when it ends.
    private var files: [String] = []

    deinit {
        for file in files { try? FileManager.default.removeItem(atPath: file) }
    }

    func secretFile(_ contents: String) throws -> String {
        let path = NSTemporaryDirectory() + "tide-secret-\(UUID().uuidString.prefix(8))"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        files.append(path)
        return path
    }

    @Test func passwordsFromFilesAreMergedIntoTheURLsEncoded() throws {
        let database = try secretFile("p@ss:w/rd\n")
        let redis = try secretFile("r3dis")
        let config = try ConfigurationLoader.load(
            fileText: nil,
            environment: [
                "TIDE_DATABASE_URL": "postgres://tide@db:5432/tide", "TIDE_DATABASE_PASSWORD_FILE": database,
                "TIDE_REDIS_URL": "redis://cache:6379/2", "TIDE_REDIS_USERNAME": "tide-worker",
                "TIDE_REDIS_PASSWORD_FILE": redis,
            ])
        #expect(config.databaseURL == "postgres://tide:p%40ss%3Aw%2Frd@db:5432/tide")
        #expect(config.redisURL == "redis://tide-worker:r3dis@cache:6379/2")
        #expect(SecretRedaction.redactingPassword(in: config.databaseURL) == "postgres://tide:***@db:5432/tide")
    }

    @Test func aSeparatePasswordReplacesTheURLs() throws {
        let config = try ConfigurationLoader.load(
            fileText: "database_url: postgres://u:old@h/d\ndatabase_password: new\nredis_password: x y\n",
            environment: [:])
        #expect(config.databaseURL == "postgres://u:new@h/d")
        #expect(config.redisURL == "redis://:x%20y@127.0.0.1:6379/0")
    }

    @Test func anyKeyCanComeFromAFile() throws {
        let url = try secretFile("postgres://a:b@c/d\n")
        let config = try ConfigurationLoader.load(fileText: nil, environment: ["TIDE_DATABASE_URL_FILE": url])
        #expect(config.databaseURL == "postgres://a:b@c/d")
    }

    @Test func fileProblemsNameTheVariableAndNeverTheContents() throws {
        let secret = try secretFile("hunter2-not-a-number")
        let cases: [([String: String], String)] = [
            (
                ["TIDE_DATABASE_PASSWORD_FILE": "/nonexistent/secret"],
                "TIDE_DATABASE_PASSWORD_FILE: cannot read the file '/nonexistent/secret'"
            ),
            (
                ["TIDE_DATABASE_PASSWORD": "a", "TIDE_DATABASE_PASSWORD_FILE": secret],
                "TIDE_DATABASE_PASSWORD_FILE: set either TIDE_DATABASE_PASSWORD or TIDE_DATABASE_PASSWORD_FILE, not both"
            ),
            (
                ["TIDE_WORKER_CONCURRENCY_FILE": secret],
                "TIDE_WORKER_CONCURRENCY_FILE: expected a whole number of at least 1, got the file's contents"
            ),
            (["TIDE_REDIS_PASSWORD_FILE": try secretFile("\n")], "the file"),
        ]
        for (environment, message) in cases {
            #expect {
                try ConfigurationLoader.load(fileText: nil, environment: environment)
            } throws: { error in
                "\(error)".contains(message) && !"\(error)".contains("hunter2")
            }
        }
    }
}

@Suite("secret_env in DAG files")
struct SecretEnvParsingTests {
    @Test func secretEnvNamesWorkerVariablesAndMergesWithDefaults() throws {
        let dag = try DAGParser.parse(
            yaml: """
                dag_id: d
                default_args:
                  secret_env: {TOKEN: WAREHOUSE_TOKEN, KEY: DEFAULT_KEY}
                tasks:
                  - task_id: a
                    bash: 'true'
                    secret_env: {KEY: A_KEY}
                """, file: "d.yaml")
        #expect(dag.tasks.first?.secretEnv == ["TOKEN": "WAREHOUSE_TOKEN", "KEY": "A_KEY"])
        let stored = try JSONDecoder().decode(DAG.self, from: JSONEncoder().encode(dag))
        #expect(stored.tasks.first?.secretEnv == dag.tasks.first?.secretEnv)
    }

    @Test func badSecretEnvIsNamedWithItsLine() throws {
        let cases: [(String, String)] = [
            (
                "secret_env: {TOKEN: 'the actual secret'}",
                "d.yaml:5:25: secret_env 'TOKEN' in task 'a' must name a variable of the worker's environment"
            ),
            (
                "secret_env: {TOKEN: TIDE_DATABASE_URL}",
                "d.yaml:5:25: secret_env 'TOKEN' in task 'a' may not read Tide's own settings (TIDE_DATABASE_URL)"
            ),
            ("secret_env: {'1X': A}", "d.yaml:5:18: invalid environment variable name '1X' in secret_env of task 'a'"),
        ]
        for (line, message) in cases {
            let yaml = "dag_id: d\ntasks:\n  - task_id: a\n    bash: 'true'\n    \(line)\n"
            #expect {
                try DAGParser.parse(yaml: yaml, file: "d.yaml")
            } throws: { error in
                "\(error)".hasPrefix(message)
            }
        }
        #expect(throws: DAGFileError.self) {
            try DAGParser.parse(
                yaml: "dag_id: d\ntasks:\n  - task_id: p\n    kubernetes_pod: {image: x}\n    secret_env: {A: B}\n",
                file: "d.yaml")
        }
    }
}
