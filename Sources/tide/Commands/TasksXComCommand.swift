import ArgumentParser
import Foundation
import TideCommandLine
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
        @Option(help: "Only this mapped instance (a mapped task shows every instance's otherwise).")
        var mapIndex: Int?

        func run() async throws {
            try await reportingErrors {
                let context = try CommandContext(try global.configuration())
                let pool = context.pool(maxConnections: 1, application: "tide-cli")
                let instance = try await TasksCommand.instance(of: task, inRun: run, mapIndex: mapIndex, pool: pool)
                let mapped = instance.mapIndex >= 0
                let entries = try await XComStore(pool: pool).entries(
                    runId: run, taskId: task, mapIndex: mapped ? mapIndex : -1
                ).filter { key == nil || $0.key == key }
                await pool.close()
                if output.output == .json && mapped && mapIndex == nil {
                    // Per map index: {"0": {key: value}, …}.
                    var byIndex: [String: [String: JSONValue]] = [:]
                    for entry in entries {
                        byIndex[String(entry.mapIndex), default: [:]][entry.key] =
                            (try? JSONValue.parse(entry.value)) ?? .null
                    }
                    return print(JSONValue.object(byIndex.mapValues(JSONValue.object)).jsonText)
                }
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
                var table = TextTable((mapped ? ["map_index"] : []) + ["key", "try", "value"])
                for entry in entries {
                    table.add(
                        (mapped ? [String(entry.mapIndex)] : []) + [entry.key, String(entry.tryNumber), entry.value])
                }
                print(table.rendered)
            }
        }
    }
}
