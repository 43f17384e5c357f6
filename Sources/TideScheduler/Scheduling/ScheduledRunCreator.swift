import Foundation
import Logging
import TideCore
import TidePostgres

/// Creates the runs of scheduled DAGs whose data intervals have ended.
///
/// For each active, unpaused DAG with a schedule it creates due runs, oldest first, until the DAG
/// has `max_active_runs` queued or running. Creation is idempotent (one run per logical date, by
/// a unique index), so two schedulers cannot create the same run twice.
struct ScheduledRunCreator: Sendable {
    let dags: DagStore
    let runs: RunStore
    let definitions: DagVersionCache
    let settings: SchedulerSettings
    let defaultTimeZone: String
    let logger: Logger
    /// Most runs one DAG gets per pass, so a long catchup cannot stall the scheduler.
    let batchLimit = 50

    struct Outcome {
        var created: [RunRecord] = []
        /// When the next not-yet-due interval of any DAG ends.
        var nextDue: Date?
    }

    func createDueRuns(now: Date) async throws -> Outcome {
        var outcome = Outcome()
        let active = try await runs.activeCounts()
        for record in try await dags.list() where !record.isPaused {
            let dag: DAG
            do {
                dag = try await definitions.dag(dagId: record.dagId, hash: record.contentHash)
            } catch let error as PGError where error.code == .corruptRow || error.code == .notFound {
                logger.error(
                    "cannot schedule DAG: its definition is unreadable", metadata: ["dag.id": "\(record.dagId)"])
                continue
            }
            guard let timetable = dag.timetable(defaultTimeZone: defaultTimeZone) else { continue }
            let counts = active[dag.dagId] ?? (0, 0)
            var activeCount = counts.queued + counts.running
            var last = try await runs.lastAutomatedInterval(dagId: dag.dagId)
            var createdHere = 0
            let catchup = dag.catchup ?? settings.catchupByDefault
            while let next = timetable.nextInterval(after: last, catchup: catchup, now: now) {
                guard timetable.isDue(next, now: now) else {
                    outcome.nextDue = min(outcome.nextDue ?? next.end, next.end)
                    break
                }
                guard activeCount < dag.maxActiveRuns, createdHere < batchLimit else { break }
                if let run = try await runs.createAutomated(dagId: dag.dagId, interval: next, runType: "scheduled") {
                    outcome.created.append(run)
                    activeCount += 1
                    createdHere += 1
                    logger.info(
                        "scheduled run created",
                        metadata: ["dag.id": "\(dag.dagId)", "run.id": "\(run.id)", "run.logical_date": "\(run.runId)"])
                }
                last = next
            }
        }
        return outcome
    }
}
