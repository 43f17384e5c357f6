import ArgumentParser
import TideCommandLine
import TideCore

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show configuration keys and the values in effect.",
        subcommands: [Keys.self, Show.self])

    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every key: tide.yaml name, environment variable, meaning.")

        func run() async throws {
            var table = TextTable(["tide.yaml key", "environment variable", "meaning"])
            for key in ConfigurationKey.all { table.add([key.fileKey, key.environmentVariable, key.summary]) }
            print(table.rendered)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the configuration in effect (passwords masked).")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await reportingErrors {
                let config = try global.configuration()
                let rows: [(String, String)] = [
                    ("database_url", SecretRedaction.redactingPassword(in: config.databaseURL)),
                    ("database_schema", config.databaseSchema),
                    ("redis_url", SecretRedaction.redactingPassword(in: config.redisURL)),
                    ("redis_key_prefix", config.redisKeyPrefix), ("dags_folder", config.dagsFolder),
                    ("log_level", config.logLevel), ("default_timezone", config.defaultTimeZone),
                    ("default_weight_rule", config.scheduler.defaultWeightRule.rawValue),
                    ("scheduler.catchup_by_default", "\(config.scheduler.catchupByDefault)"),
                    ("scheduler.parallelism", "\(config.scheduler.parallelism)"),
                    ("scheduler.poll_interval", "\(config.scheduler.pollIntervalSeconds)s"),
                    ("scheduler.dag_sync_interval", "\(config.scheduler.dagSyncIntervalSeconds)s"),
                    ("scheduler.queued_timeout", "\(config.scheduler.queuedTimeoutSeconds)s"),
                    ("scheduler.worker_timeout", "\(config.scheduler.workerTimeoutSeconds)s"),
                    ("worker.concurrency", "\(config.worker.concurrency)"),
                    ("worker.queues", config.worker.queues.joined(separator: ",")),
                    ("worker.heartbeat_interval", "\(config.worker.heartbeatIntervalSeconds)s"),
                    ("worker.shutdown_grace", "\(config.worker.shutdownGraceSeconds)s"),
                    ("worker.log_max_bytes", "\(config.worker.logMaxBytes)"),
                    ("worker.xcom_max_bytes", "\(config.worker.xcomMaxBytes)"),
                    ("worker.max_map_length", "\(config.worker.maxMapLength)"),
                    ("worker.task_niceness", "\(config.worker.taskNiceness)"),
                    ("kubernetes.kubeconfig", config.kubernetes.kubeconfig ?? "-"),
                    ("kubernetes.context", config.kubernetes.context ?? "-"),
                    ("kubernetes.in_cluster", config.kubernetes.inCluster.map { "\($0)" } ?? "auto"),
                    ("kubernetes.namespace", config.kubernetes.namespace ?? "-"),
                    ("kubernetes.service_account_dir", config.kubernetes.serviceAccountFolder),
                    ("kubernetes.worker_image", config.kubernetes.workerImage),
                    ("kubernetes.worker_secret", config.kubernetes.workerSecret ?? "-"),
                    ("node_pools", config.nodePools.map(\.name).joined(separator: ",")),
                ]
                var table = TextTable(["key", "value"])
                for (key, value) in rows { table.add([key, value]) }
                print(table.rendered)
            }
        }
    }
}
