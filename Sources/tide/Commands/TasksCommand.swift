import ArgumentParser
import Foundation
import TidePostgres

struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks", abstract: "Inspect task instances and their logs; clear or mark them.",
        subcommands: [List.self, Logs.self, XCom.self, Clear.self, Mark.self, Run.self])

    /// The task instance of `task` in run `run`; an error listing the run's tasks when there is
    /// none (the pool is closed then).
    static func instance(of task: String, inRun run: Int64, pool: PGPool) async throws -> TaskInstanceRecord {
        let tasks = try await TaskInstanceStore(pool: pool).forRun(try await RunStore(pool: pool).get(run).id)
        guard let instance = tasks.first(where: { $0.taskId == task }) else {
            await pool.close()
            throw CLIError(
                "run \(run) has no task '\(task)'", hint: "tasks: \(tasks.map(\.taskId).joined(separator: ", "))")
        }
        return instance
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the task instances of a run.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The run's number.") var run: Int64

        func run() async throws {
            try await reportingErrors {
                let context = try CommandContext(try global.configuration())
                let pool = context.pool(maxConnections: 1, application: "tide-cli")
                _ = try await RunStore(pool: pool).get(run)
                let tasks = try await TaskInstanceStore(pool: pool).forRun(run)
                await pool.close()
                if output.output == .json { return print(try Formatting.json(tasks)) }
                print(TaskTable.render(tasks))
            }
        }
    }

    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a task's log, every try unless --try is given.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The run's number.") var run: Int64
        @Argument(help: "The task id.") var task: String
        @Option(name: .customLong("try"), help: "Only this try (1-based).") var tryNumber: Int?

        func run() async throws {
            try await reportingErrors {
                let context = try CommandContext(try global.configuration())
                let pool = context.pool(maxConnections: 1, application: "tide-cli")
                let store = TaskInstanceStore(pool: pool)
                let instance = try await TasksCommand.instance(of: task, inRun: run, pool: pool)
                let logs = try await store.logs(runId: run, taskId: task, tryNumber: tryNumber)
                await pool.close()
                if output.output == .json { return print(try Formatting.json(logs)) }
                guard !logs.isEmpty else {
                    let which = tryNumber.map { "try \($0)" } ?? "any try"
                    throw CLIError(
                        "no log for \(which) of task '\(task)' (state \(instance.state.rawValue), try \(instance.tryNumber))",
                        hint: "logs are stored when a try ends")
                }
                for log in logs {
                    print(
                        "--- try \(log.tryNumber): \(log.state), exit \(log.exitCode.map(String.init) ?? "-"), worker \(log.workerId ?? "-") ---"
                    )
                    print(log.content, terminator: log.content.hasSuffix("\n") || log.content.isEmpty ? "" : "\n")
                }
            }
        }
    }
}
