import ArgumentParser
import Foundation
import TideCommandLine
import TideCore
import TidePostgres
import TideRedis
import TideService

extension TasksCommand {
    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run tasks again with a new try (earlier logs are kept); a running task is stopped first.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The run's number.") var run: Int64
        @Argument(help: "The task id.") var task: String
        @Flag(help: "Also clear every task downstream of it.") var downstream = false
        @Flag(help: "Also clear every task upstream of it.") var upstream = false
        @Option(help: "Only this mapped instance of the task (repeatable; its downstream tasks are cleared whole).")
        var mapIndex: [Int] = []

        func run() async throws {
            try await reportingErrors {
                let configuration = try global.configuration()
                let context = try CommandContext(configuration)
                let pool = context.pool(maxConnections: 1, application: "tide-cli")
                let service = context.service(pool: pool)
                let record = try await RunStore(pool: pool).get(run)
                let dag = try await service.definition(dagId: record.dagId, hash: record.dagHash)
                guard dag.task(task) != nil else {
                    service.close()
                    await pool.close()
                    throw CLIError(
                        "run \(run) has no task '\(task)'",
                        hint: "tasks: \(dag.tasks.map(\.taskId).joined(separator: ", "))")
                }
                var selection = TaskSelection(
                    taskIds: [task], includeUpstream: upstream, includeDownstream: downstream)
                if !mapIndex.isEmpty { selection.mapIndexes[task] = Set(mapIndex) }
                // A running task's new try waits for its worker's next heartbeat, which stops the old one.
                let cleared = try await service.clear(record, selection: selection, dryRun: false).map(\.label)
                service.close()
                await pool.close()
                print(
                    "cleared \(cleared.count) task instance(s) of run \(run): \(cleared.joined(separator: ", "))")
            }
        }
    }

    struct Mark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a task's state by hand (success or failed); a running task is stopped.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The run's number.") var run: Int64
        @Argument(help: "The task id.") var task: String
        @Argument(help: "success or failed.") var state: String
        @Option(help: "Only this mapped instance of the task.") var mapIndex: Int?

        func run() async throws {
            try await reportingErrors {
                guard let target = TaskState(rawValue: state), target == .success || target == .failed else {
                    throw CLIError("state: expected success or failed, got '\(state)'")
                }
                let context = try CommandContext(try global.configuration())
                let pool = context.pool(maxConnections: 1, application: "tide-cli")
                let service = context.service(pool: pool)
                let record = try await RunStore(pool: pool).get(run)
                let instance = try await TasksCommand.instance(of: task, inRun: run, mapIndex: mapIndex, pool: pool)
                var selection = TaskSelection(taskIds: [task])
                if let mapIndex { selection.mapIndexes[task] = [mapIndex] }
                _ = try await service.mark(record, selection: selection, as: target, dryRun: false)
                service.close()
                await pool.close()
                let what = mapIndex == nil ? instance.taskId : instance.label
                print("marked task '\(what)' of run \(run) \(target.rawValue) (was \(instance.state.rawValue))")
            }
        }
    }
}
