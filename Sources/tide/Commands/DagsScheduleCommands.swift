import ArgumentParser
import Foundation
import TideCommandLine
import TideCore
import TidePostgres
import TideRedis

extension DagsCommand {
    struct NextRuns: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "next-runs",
            abstract: "Print the next logical dates of a DAG's schedule (ISO 8601, one per line); creates nothing.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The DAG.") var dagId: String
        @Option(name: .short, help: "How many dates.") var n: Int = 5
        @Option(help: "Only dates after this instant (ISO 8601; default: from the interval in progress).") var after:
            String?
        @Option(help: "Show dates in this IANA time zone (default: the DAG's).") var tz: String?

        func run() async throws {
            try await reportingErrors {
                let configuration = try global.configuration()
                let context = try CommandContext(configuration)
                let pool = context.pool(maxConnections: 1, application: "tide-cli")
                let dag = try await DagStore(pool: pool).current(dagId)
                await pool.close()
                guard let timetable = dag.timetable(defaultTimeZone: configuration.defaultTimeZone)
                else { throw CLIError("DAG '\(dagId)' has no schedule (schedule: null): it runs only when triggered") }
                let zone = try DisplayZone.resolve(tz, dag: dag, configuration: configuration)
                // By default, start with the run of the interval now in progress (created when it ends).
                var start =
                    timetable.previousFireTime(before: Date().addingTimeInterval(0.001))?.addingTimeInterval(-0.001)
                    ?? Date()
                if let after {
                    guard let parsed = LocalDate.parse(after, in: timetable.timeZone) else {
                        throw CLIError("--after: expected an ISO 8601 date or time, got '\(after)'")
                    }
                    start = parsed
                }
                for date in timetable.upcomingLogicalDates(after: start, count: max(1, n)) {
                    print(LocalDate.format(date, in: zone))
                }
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pause a DAG: it creates and starts no runs; runs already running finish.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The DAG.") var dagId: String

        func run() async throws { try await setPaused(dagId, true, global: global) }
    }

    struct Unpause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unpause a DAG.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The DAG.") var dagId: String

        func run() async throws { try await setPaused(dagId, false, global: global) }
    }

    struct Backfill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Create the runs of every interval whose logical date is in [--from, --to] (existing ones are kept).",
            discussion: "The runs are queued; the scheduler starts them oldest first, within max_active_runs.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The DAG.") var dagId: String
        @Option(help: "First logical date (ISO 8601; read in the DAG's time zone).") var from: String
        @Option(help: "Last logical date.") var to: String

        func run() async throws {
            try await reportingErrors {
                let configuration = try global.configuration()
                let context = try CommandContext(configuration)
                let pool = context.pool(maxConnections: 1, application: "tide-cli")
                let dag = try await DagStore(pool: pool).current(dagId)
                guard let timetable = dag.timetable(defaultTimeZone: configuration.defaultTimeZone)
                else {
                    await pool.close()
                    throw CLIError(
                        "DAG '\(dagId)' has no schedule to backfill", hint: "trigger it with 'tide dags trigger'")
                }
                guard let start = LocalDate.parse(from, in: timetable.timeZone) else {
                    throw CLIError("--from: expected an ISO 8601 date or time, got '\(from)'")
                }
                guard let end = LocalDate.parse(to, in: timetable.timeZone) else {
                    throw CLIError("--to: expected an ISO 8601 date or time, got '\(to)'")
                }
                guard start <= end else { throw CLIError("--from must not be after --to") }
                let intervals = timetable.intervals(from: start, to: end)
                let runs = RunStore(pool: pool)
                var created = 0
                for interval in intervals
                where try await runs.createAutomated(dagId: dagId, interval: interval, runType: "backfill") != nil {
                    created += 1
                }
                await pool.close()
                if created > 0 { await SchedulerWakeUp.send(TaskEvent(kind: .runCreated, runId: 0), context: context) }
                print("backfill of '\(dagId)': \(created) runs created, \(intervals.count - created) already existed")
            }
        }
    }
}

/// Pauses or unpauses a DAG and says so.
private func setPaused(_ dagId: String, _ paused: Bool, global: GlobalOptions) async throws {
    try await reportingErrors {
        let context = try CommandContext(try global.configuration())
        let pool = context.pool(maxConnections: 1, application: "tide-cli")
        try await DagStore(pool: pool).setPaused(dagId, paused)
        await pool.close()
        // Runs queued while the DAG was paused start now, not at the scheduler's next full pass.
        if !paused { await SchedulerWakeUp.send(TaskEvent(kind: .runCreated, runId: 0), context: context) }
        print("\(paused ? "paused" : "unpaused") DAG '\(dagId)'")
    }
}

/// The time zone times are shown in: `--tz`, else the DAG's, else the configured default.
enum DisplayZone {
    static func resolve(_ explicit: String?, dag: DAG?, configuration: TideConfiguration) throws -> TimeZone {
        if let explicit {
            guard let zone = TimeZone(identifier: explicit) else {
                throw CLIError("--tz: unknown time zone '\(explicit)'", hint: "use an IANA name such as Europe/Berlin")
            }
            return zone
        }
        return dag?.effectiveTimeZone(default: configuration.defaultTimeZone)
            ?? TimeZone(identifier: configuration.defaultTimeZone) ?? TimeZone(secondsFromGMT: 0) ?? .current
    }
}
