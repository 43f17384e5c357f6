import ArgumentParser
import Foundation
import TideCommandLine
import TidePostgres

struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks", abstract: "Inspect task instances and their logs; clear or mark them.",
        subcommands: [List.self, Logs.self, XCom.self, Clear.self, Mark.self, Run.self])

    /// The task instance of `task` in run `run` (a mapped task's first instance, or the one at
    /// `mapIndex`); an error listing the run's tasks (or map indexes) when there is none (the pool
    /// is closed then).
    static func instance(of task: String, inRun run: Int64, mapIndex: Int? = nil, pool: PGPool) async throws
        -> TaskInstanceRecord
    {
        let tasks = try await TaskInstanceStore(pool: pool).forRun(try await RunStore(pool: pool).get(run).id)
        let named = tasks.filter { $0.taskId == task }
        guard let first = named.first else {
            await pool.close()
            let ids = tasks.map(\.taskId).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            throw CLIError("run \(run) has no task '\(task)'", hint: "tasks: \(ids.joined(separator: ", "))")
        }
        guard let mapIndex else { return first }
        guard let instance = named.first(where: { $0.mapIndex == mapIndex }) else {
            await pool.close()
            let indexes = named.map(\.mapIndex).filter { $0 >= 0 }
            throw CLIError(
                "task '\(task)' of run \(run) has no map index \(mapIndex)",
                hint: indexes.isEmpty
                    ? "it is not mapped (or not expanded yet)"
                    : "map indexes: \(indexes.map(String.init).joined(separator: ", "))")
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
        @Option(help: "Only this mapped instance (a mapped task shows every instance's otherwise).")
        var mapIndex: Int?

        func run() async throws {
            try await reportingErrors {
                let context = try CommandContext(try global.configuration())
                let pool = context.pool(maxConnections: 1, application: "tide-cli")
                let store = TaskInstanceStore(pool: pool)
                let instance = try await TasksCommand.instance(of: task, inRun: run, mapIndex: mapIndex, pool: pool)
                let logs = try await store.logs(runId: run, taskId: task, tryNumber: tryNumber, mapIndex: mapIndex)
                let labels = Dictionary(
                    try await store.forRun(run).filter { $0.taskId == task }.map { ($0.id, $0.label) },
                    uniquingKeysWith: { first, _ in first })
                await pool.close()
                if output.output == .json { return print(try Formatting.json(logs)) }
                guard !logs.isEmpty else {
                    let which = tryNumber.map { "try \($0)" } ?? "any try"
                    throw CLIError(
                        "no log for \(which) of task '\(task)' (state \(instance.state.rawValue), try \(instance.tryNumber))",
                        hint: "logs are stored when a try ends")
                }
                for log in logs {
                    let mapped = instance.mapIndex < 0 ? "" : "\(labels[log.taskInstanceId] ?? task) "
                    print(
                        "--- \(mapped)try \(log.tryNumber): \(log.state), exit \(log.exitCode.map(String.init) ?? "-"), worker \(log.workerId ?? "-") ---"
                    )
                    print(log.content, terminator: log.content.hasSuffix("\n") || log.content.isEmpty ? "" : "\n")
                }
            }
        }
    }
}
