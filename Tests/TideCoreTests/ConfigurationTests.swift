import Testing

@testable import TideCore

@Suite("Configuration")
struct ConfigurationTests {
    @Test func defaultsWithoutFileOrEnvironment() throws {
        let config = try ConfigurationLoader.load(fileText: nil, environment: [:])
        #expect(config == TideConfiguration())
        #expect(config.worker.concurrency == 8)
        #expect(config.dagsFolder == "./dags")
    }

    @Test func environmentOverridesTheFile() throws {
        let file = """
            database_url: postgres://file/db
            dags_folder: /srv/dags
            worker:
              concurrency: 4
              queues: [heavy, default]
            scheduler:
              poll_interval: 500ms
            """
        let config = try ConfigurationLoader.load(
            fileText: file,
            environment: ["TIDE_DATABASE_URL": "postgres://env/db", "TIDE_WORKER_QUEUES": "a,b", "HOME": "/root"])
        #expect(config.databaseURL == "postgres://env/db")
        #expect(config.dagsFolder == "/srv/dags")
        #expect(config.worker.concurrency == 4)
        #expect(config.worker.queues == ["a", "b"])
        #expect(config.scheduler.pollIntervalSeconds == 0.5)
    }

    @Test func taskNicenessIsReadAndBounded() throws {
        #expect(try ConfigurationLoader.load(fileText: nil, environment: [:]).worker.taskNiceness == 10)
        let file = "worker:\n  task_niceness: 19\n"
        #expect(try ConfigurationLoader.load(fileText: file, environment: [:]).worker.taskNiceness == 19)
        #expect {
            try ConfigurationLoader.load(fileText: nil, environment: ["TIDE_WORKER_TASK_NICENESS": "20"])
        } throws: { error in
            "\(error)" == "TIDE_WORKER_TASK_NICENESS: expected a whole number from 0 to 19, got '20'"
        }
    }

    @Test func badValuesNameTheKeyTheExpectationAndTheValue() {
        #expect {
            try ConfigurationLoader.load(fileText: nil, environment: ["TIDE_WORKER_CONCURRENCY": "lots"])
        } throws: { error in
            "\(error)" == "TIDE_WORKER_CONCURRENCY: expected a whole number of at least 1, got 'lots'"
        }
        #expect {
            try ConfigurationLoader.load(
                fileText: "scheduler:\n  poll_interval: never\n", fileName: "tide.yaml", environment: [:])
        } throws: { error in
            "\(error)"
                == "tide.yaml: scheduler.poll_interval: expected a duration above zero such as 5, 500ms, 30s or 2m, got 'never'"
        }
    }

    @Test func theDefaultWeightRuleIsReadAndChecked() throws {
        #expect(
            try ConfigurationLoader.load(fileText: nil, environment: [:]).scheduler.defaultWeightRule == .downstream)
        let fromFile = try ConfigurationLoader.load(fileText: "default_weight_rule: absolute\n", environment: [:])
        #expect(fromFile.scheduler.defaultWeightRule == .absolute)
        let fromEnvironment = try ConfigurationLoader.load(
            fileText: "default_weight_rule: absolute\n", environment: ["TIDE_DEFAULT_WEIGHT_RULE": "upstream"])
        #expect(fromEnvironment.scheduler.defaultWeightRule == .upstream)
        #expect {
            try ConfigurationLoader.load(fileText: "default_weight_rule: absolut\n", environment: [:])
        } throws: { error in
            "\(error)"
                == "tide.yaml: default_weight_rule: expected one of downstream, upstream, absolute, got 'absolut'"
        }
    }

    @Test func unknownKeysAreRejectedWithASuggestion() {
        #expect {
            try ConfigurationLoader.load(
                fileText: "worker:\n  concurency: 3\n", fileName: "tide.yaml", environment: [:])
        } throws: { error in
            "\(error)"
                == "tide.yaml:2: unknown configuration key 'worker.concurency' (did you mean 'worker.concurrency'?)"
        }
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(fileText: "[1, 2]", environment: [:])
        }
    }

    @Test func everyKeyHasAnEnvironmentVariableAndSummary() {
        for key in ConfigurationKey.all {
            #expect(key.environmentVariable.hasPrefix("TIDE_"))
            #expect(!key.summary.isEmpty)
        }
        #expect(Set(ConfigurationKey.all.map(\.fileKey)).count == ConfigurationKey.all.count)
    }
}
