import ArgumentParser
import Foundation
import TideCommandLine
import TideCore
import TidePostgres
import TideRedis
import TideScheduler

struct DagsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dags", abstract: "List, validate and trigger DAGs.",
        subcommands: [
            List.self, Validate.self, Errors.self, Trigger.self, NextRuns.self, Pause.self, Unpause.self, Backfill.self,
        ])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the DAGs the scheduler has loaded.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Flag(help: "Include DAGs whose file was removed.") var all = false
        @Option(
            help:
                "Only DAGs whose id, description or tags contain this text (case-insensitive; '|' separates alternatives)."
        )
        var search: String?
        @Option(help: "Only DAGs with this tag (repeatable: any of them).") var tag: [String] = []

        func run() async throws {
            try await reportingErrors {
                let context = try CommandContext(try global.configuration())
                let pool = context.pool(maxConnections: 1, application: "tide-cli")
                var query = DagQuery()
                query.search = search
                query.tags = tag
                query.includeInactive = all
                query.limit = Int(Int32.max)
                let dags = try await DagStore(pool: pool).page(query).items
                if output.output == .json {
                    await pool.close()
                    return print(try Formatting.json(dags))
                }
                var table = TextTable([
                    "dag_id", "schedule", "paused", "tasks", "active", "file", "version", "description",
                ])
                let store = DagStore(pool: pool)
                for dag in dags {
                    let definition = try? await store.definition(dagId: dag.dagId, hash: dag.contentHash)
                    table.add([
                        dag.dagId, definition.map { $0.schedule.summary } ?? "?",
                        dag.isPaused ? "yes" : "no",
                        "\(dag.taskCount)", dag.isActive ? "yes" : "no", dag.fileloc,
                        String(dag.contentHash.prefix(12)),
                        dag.description,
                    ])
                }
                await pool.close()
                print(table.rendered)
            }
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check DAG files without a database: a file, or a folder (recursively). Exit 1 if any is broken.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "A DAG file or a folder of them.") var path: String
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await reportingErrors {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                    throw CLIError("'\(path)' does not exist")
                }
                // Node pools come from the configuration, as they do for the scheduler.
                let configuration = try global.configuration()
                let nodePools = configuration.nodePools.map(\.name)
                let connections = configuration.kubernetes.connectionNames
                var contents = DagFolder.Contents()
                if isDirectory.boolValue {
                    contents = try DagFolder(path: path, nodePools: nodePools, kubernetesConnections: connections)
                        .load()
                } else {
                    guard let data = FileManager.default.contents(atPath: path) else {
                        throw CLIError("cannot read '\(path)'")
                    }
                    do {
                        contents.dags = [
                            try DAGParser.parse(
                                yaml: String(decoding: data, as: UTF8.self), file: path, nodePools: nodePools,
                                kubernetesConnections: connections)
                        ]
                    } catch {
                        contents.errors[path] = "\(error)"
                    }
                }
                if output.output == .json {
                    struct Report: Encodable {
                        var valid: [String]
                        var errors: [String: String]
                    }
                    print(try Formatting.json(Report(valid: contents.dags.map(\.dagId), errors: contents.errors)))
                } else {
                    for dag in contents.dags { print("ok     \(dag.dagId) (\(dag.fileloc), \(dag.tasks.count) tasks)") }
                    for (_, message) in contents.errors.sorted(by: { $0.key < $1.key }) {
                        for line in message.split(separator: "\n") { print("error  \(line)") }
                    }
                    print("\(contents.dags.count) valid, \(contents.errors.count) broken")
                }
                if !contents.errors.isEmpty { throw ExitCode.failure }
            }
        }
    }

    struct Errors: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show DAG files the scheduler could not load, and why.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await reportingErrors {
                let context = try CommandContext(try global.configuration())
                let pool = context.pool(maxConnections: 1, application: "tide-cli")
                let errors = try await DagStore(pool: pool).importErrors()
                await pool.close()
                if output.output == .json { return print(try Formatting.json(errors)) }
                if errors.isEmpty { return print("no import errors") }
                var table = TextTable(["file", "recorded", "error"])
                for error in errors {
                    let lines = error.message.split(separator: "\n").map(String.init)
                    table.add([error.fileloc, Formatting.time(error.recordedAt), lines.first ?? ""])
                    for line in lines.dropFirst() { table.add(["", "", line]) }
                }
                print(table.rendered)
            }
        }
    }

    struct Trigger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a run of a DAG.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The DAG to run.") var dagId: String
        @Option(help: "Run configuration: a JSON object, given to tasks as TIDE_CONF and merged into TIDE_PARAMS.")
        var conf: String = "{}"
        @Option(name: .customLong("run-id"), help: "Run id (default manual__<time>).") var runId: String?
        @Option(
            name: .customLong("logical-date"),
            help: "The run's logical date, ISO 8601 (default: now); in core.default_timezone without an offset.")
        var logicalDate: String?
        @Flag(help: "Wait for the run to finish and print its tasks; exit 1 if it failed.") var wait = false

        func run() async throws {
            try await reportingErrors {
                let parsed: JSONValue
                do {
                    parsed = try JSONValue.parse(conf)
                } catch {
                    throw CLIError(
                        "--conf: \(error)", hint: "give a JSON object, e.g. --conf '{\"day\": \"2026-11-21\"}'")
                }
                guard case .object = parsed else { throw CLIError("--conf: expected a JSON object, got \(conf)") }
                let configuration = try global.configuration()
                let date = try logicalDate.map { text in
                    let zone = TimeZone(identifier: configuration.defaultTimeZone) ?? .gmt
                    guard let date = LocalDate.parse(text, in: zone) else {
                        throw CLIError("--logical-date: expected an ISO 8601 date or time, got '\(text)'")
                    }
                    return date.timeIntervalSince1970
                }
                let context = try CommandContext(configuration)
                let pool = context.pool(maxConnections: 1, application: "tide-cli")
                let run = try await RunStore(pool: pool).trigger(
                    dagId: dagId, conf: parsed.jsonText, runId: runId, logicalDate: date)
                // Wake the scheduler now; without Redis it still finds the run on its next pass.
                await SchedulerWakeUp.send(TaskEvent(kind: .runCreated, runId: run.id), context: context)
                if !wait {
                    await pool.close()
                    if output.output == .json { return print(try Formatting.json(run)) }
                    return print("triggered run \(run.id) (\(run.runId)) of DAG '\(run.dagId)'")
                }
                if output.output == .table {
                    print("triggered run \(run.id) (\(run.runId)) of DAG '\(run.dagId)'; waiting")
                }
                let finished = try await RunWaiter(pool: pool).waitUntilFinished(run.id)
                try await RunPrinter(pool: pool, format: output.output).print(finished)
                await pool.close()
                if finished.state == .failed { throw ExitCode.failure }
            }
        }
    }
}
