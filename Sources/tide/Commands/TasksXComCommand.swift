import ArgumentParser
import Foundation
import TideCore
import TidePostgres

extension TasksCommand {
    /// `tide tasks xcom RUN TASK`: what a task's current try published for other tasks.
    struct XCom: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "xcom", abstract: "Show the results (XCom) a task's current try published, by key.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The run's number.") var run: Int64
        @Argument(help: "The task id.") var task: String
        @Option(help: "Only this key (return_value is the task's return value).") var key: String?

        func run() async throws {
            try await reportingErrors {
                let context = try CommandContext(try global.configuration())
                let pool = context.pool(maxConnections: 1, application: "tide-cli")
                _ = try await TasksCommand.instance(of: task, inRun: run, pool: pool)
                let entries = try await XComStore(pool: pool).entries(runId: run, taskId: task).filter {
                    key == nil || $0.key == key
                }
                await pool.close()
                if output.output == .json {
                    let object = JSONValue.object(
                        Dictionary(
                            entries.map { ($0.key, (try? JSONValue.parse($0.value)) ?? .null) },
                            uniquingKeysWith: { first, _ in first }))
                    return print(object.jsonText)
                }
                guard !entries.isEmpty else {
                    throw CLIError(
                        key.map { "task '\(task)' published no '\($0)'" } ?? "task '\(task)' published nothing",
                        hint: "a task publishes with do_xcom_push: true or by writing KEY.json in $TIDE_XCOM_DIR")
                }
                let width = entries.map(\.key.count).max() ?? 3
                print("key".padding(toLength: max(width, 3), withPad: " ", startingAt: 0) + "  try  value")
                for entry in entries {
                    print(
                        entry.key.padding(toLength: max(width, 3), withPad: " ", startingAt: 0) + "  "
                            + String(entry.tryNumber).padding(toLength: 3, withPad: " ", startingAt: 0) + "  "
                            + entry.value)
                }
            }
        }
    }
}
