import ArgumentParser
import Foundation
import TideCommandLine
import TideCore
import TidePostgres

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List and inspect DAG runs.", subcommands: [List.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List runs, newest first.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(name: .customLong("dag"), help: "Only runs of this DAG.") var dagId: String?
        @Option(help: "How many runs.") var limit: Int = 50
        @Option(help: "Show times in this IANA time zone (default: each DAG's).") var tz: String?

        func run() async throws {
            try await reportingErrors {
                let configuration = try global.configuration()
                let context = try CommandContext(configuration)
                let pool = context.pool(maxConnections: 1, application: "tide-cli")
                let runs = try await RunStore(pool: pool).list(dagId: dagId, limit: max(1, limit))
                if output.output == .json {
                    await pool.close()
                    return print(try Formatting.json(runs))
                }
                let zones = try await RunZones(pool: pool, explicit: tz, configuration: configuration)
                var table = TextTable(["run", "dag_id", "type", "logical_date", "state", "started", "duration"])
                for run in runs {
                    let zone = try await zones.zone(for: run.dagId)
                    table.add([
                        "\(run.id)", run.dagId, run.runType,
                        LocalDate.format(Date(timeIntervalSince1970: run.logicalDate), in: zone),
                        run.state.rawValue, Formatting.time(run.startedAt, in: zone),
                        Formatting.duration(from: run.startedAt, to: run.endedAt),
                    ])
                }
                await pool.close()
                print(table.rendered)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a run and its task instances.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The run's number (first column of 'tide runs list').") var run: Int64
        @Flag(help: "Wait until the run has finished.") var wait = false

        func run() async throws {
            try await reportingErrors {
                let context = try CommandContext(try global.configuration())
                let pool = context.pool(maxConnections: 1, application: "tide-cli")
                let record =
                    wait
                    ? try await RunWaiter(pool: pool).waitUntilFinished(run) : try await RunStore(pool: pool).get(run)
                try await RunPrinter(pool: pool, format: output.output).print(record)
                await pool.close()
            }
        }
    }
}

/// The zone each DAG's times are shown in (cached per DAG for one listing).
final class RunZones {
    let store: DagStore
    let explicit: String?
    let configuration: TideConfiguration
    private var zones: [String: TimeZone] = [:]

    init(pool: PGPool, explicit: String?, configuration: TideConfiguration) async throws {
        store = DagStore(pool: pool)
        self.explicit = explicit
        self.configuration = configuration
        if explicit != nil { _ = try DisplayZone.resolve(explicit, dag: nil, configuration: configuration) }
    }

    func zone(for dagId: String) async throws -> TimeZone {
        if let zone = zones[dagId] { return zone }
        let dag = try? await store.current(dagId)
        let zone = try DisplayZone.resolve(explicit, dag: dag, configuration: configuration)
        zones[dagId] = zone
        return zone
    }
}

/// Waits for a run to finish by reading its state (the CLI has no event subscription of its own).
struct RunWaiter {
    let pool: PGPool

    func waitUntilFinished(_ id: Int64) async throws -> RunRecord {
        let store = RunStore(pool: pool)
        while true {
            let run = try await store.get(id)
            if run.state.isFinished { return run }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}

/// Prints a run with its tasks: state, try, duration, and the worker that ran each.
struct RunPrinter {
    let pool: PGPool
    let format: OutputFormat

    func print(_ run: RunRecord) async throws {
        let tasks = try await TaskInstanceStore(pool: pool).forRun(run.id)
        let events =
            run.runType == "asset_triggered" ? try await DatasetStore(pool: pool).events(triggering: run.id) : []
        if format == .json {
            struct Detail: Encodable {
                var run: RunRecord
                var tasks: [TaskInstanceRecord]
                var datasetEvents: [DatasetStore.Event]

                private enum CodingKeys: String, CodingKey { case run, tasks, datasetEvents = "dataset_events" }
            }
            return Swift.print(try Formatting.json(Detail(run: run, tasks: tasks, datasetEvents: events)))
        }
        Swift.print(
            "run \(run.id)  dag \(run.dagId)  \(run.runId)  \(run.state.rawValue)  \(Formatting.duration(from: run.startedAt, to: run.endedAt))"
        )
        if !events.isEmpty {
            Swift.print("triggered by dataset updates:")
            for event in events {
                let source =
                    "\(event.sourceDagId).\(event.sourceTaskId)" + (event.sourceRunId.map { " (run \($0))" } ?? "")
                Swift.print("  \(event.uri)  by \(source)  at \(Formatting.time(event.createdAt))")
            }
        }
        Swift.print(TaskTable.render(tasks))
    }
}

/// The task-instance table shared by `runs show` and `tasks list`.
enum TaskTable {
    static func render(_ tasks: [TaskInstanceRecord]) -> String {
        var table = TextTable(["task_id", "state", "try", "queue", "worker", "node", "duration", "exit"])
        for task in tasks {
            table.add([
                task.label, task.state.rawValue, "\(task.tryNumber)/\(task.maxTries)", task.queue,
                task.workerId ?? "-", task.nodeName ?? "-",
                Formatting.duration(from: task.startedAt, to: task.endedAt), task.exitCode.map(String.init) ?? "-",
            ])
        }
        // What each waiting sensor the scheduler checks found last.
        let waiting = tasks.compactMap { task in
            task.state == .upForReschedule ? task.sensorStatus.map { "\(task.label): waiting for \($0)" } : nil
        }
        return ([table.rendered] + waiting).joined(separator: "\n")
    }
}
