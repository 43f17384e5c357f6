import ArgumentParser
import Foundation
import TideCommandLine
import TideWorker

extension TasksCommand {
    /// `tide tasks run`: what a pod of an `executor: kubernetes` task runs.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one claimed try's command here (inside an executor: kubernetes pod) and exit with its code.",
            discussion: """
                Reads the try and its DAG version from PostgreSQL (TIDE_DATABASE_URL), runs the task's \
                command with its environment, prints its output and exits with its exit code. The \
                worker that owns the try records the result. Not for use by hand.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The task instance's id.") var taskInstance: Int64
        @Option(name: .customLong("try"), help: "The try number the worker claimed.") var tryNumber: Int

        func run() async throws {
            var code: Int32 = 1
            try await reportingErrors {
                let configuration = try global.configuration()
                let context = try CommandContext(configuration)
                let pool = context.pool(maxConnections: 1, application: "tide-task")
                code = await TaskInPod.run(
                    taskInstanceId: taskInstance, tryNumber: tryNumber, pool: pool,
                    defaultTimeZone: configuration.defaultTimeZone, logMaxBytes: configuration.worker.logMaxBytes,
                    xcomMaxBytes: configuration.worker.xcomMaxBytes,
                    maxMapLength: configuration.worker.maxMapLength)
                await pool.close()
            }
            throw ExitCode(code)
        }
    }
}
