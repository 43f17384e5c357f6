import Foundation
import Logging
import TideCore
import TidePostgres

/// Creates the runs of scheduled DAGs whose data intervals have ended.
///
/// For each active, unpaused DAG with a schedule it creates due runs, oldest first, until the DAG
/// has `max_active_runs` queued or running. Creation is idempotent (one run per logical date, by
/// a unique index), so two schedulers cannot create the same run twice.
///
/// It remembers when each DAG version's next interval ends and does not look at that DAG again
/// before then (nor read its runs), so a pass over thousands of DAGs costs one light query. A
/// changed definition (a new version) or a DAG that was held back is looked at again on the next pass.
struct ScheduledRunCreator: Sendable {
    let dags: DagStore
    let runs: RunStore
    let definitions: DagVersionCache
    let settings: SchedulerSettings
    let defaultTimeZone: String
    let logger: Logger
    /// Most runs one DAG gets per pass, so a long catchup cannot stall the scheduler.
    let batchLimit = 50
    /// Per DAG: the version last looked at, and when its next interval ends (nothing is due before).
    private let notDueBefore = LockedBox<[String: (hash: String, date: Date)]>([:])

    init(
        dags: DagStore, runs: RunStore, definitions: DagVersionCache, settings: SchedulerSettings,
        defaultTimeZone: String, logger: Logger
    ) {
        self.dags = dags
        self.runs = runs
        self.definitions = definitions
        self.settings = settings
        self.defaultTimeZone = defaultTimeZone
        self.logger = logger
    }

    struct Outcome {
        var created: [RunRecord] = []
        /// When the next not-yet-due interval of any DAG ends.
        var nextDue: Date?
    }

    func createDueRuns(now: Date) async throws -> Outcome {
        var outcome = Outcome()
        let scheduled = try await dags.scheduledVersions()
        let known = notDueBefore.mutate { known in
            // DAGs no longer scheduled (paused, removed) are forgotten.
            let current = Set(scheduled.map(\.dagId))
            known = known.filter { current.contains($0.key) }
            return known
        }
        var active: [String: (queued: Int, running: Int)]?
        for (dagId, hash) in scheduled {
            if let entry = known[dagId], entry.hash == hash, now < entry.date {
                if entry.date != .distantFuture { outcome.nextDue = min(outcome.nextDue ?? entry.date, entry.date) }
                continue
            }
            if active == nil { active = try await runs.activeCounts() }
            let notBefore = try await createDueRuns(
                dagId: dagId, hash: hash, active: active?[dagId] ?? (0, 0), now: now, into: &outcome)
            notDueBefore.mutate { $0[dagId] = notBefore.map { (hash, $0) } }
        }
        return outcome
    }

    /// Creates one DAG's due runs. Returns when its next interval ends (distant future for a DAG
    /// with no timetable), or nil when runs are due but held back (`max_active_runs`, the batch limit).
    private func createDueRuns(
        dagId: String, hash: String, active: (queued: Int, running: Int), now: Date, into outcome: inout Outcome
    ) async throws -> Date? {
        let dag: DAG
        do {
            dag = try await definitions.dag(dagId: dagId, hash: hash)
        } catch let error as PGError where error.code == .corruptRow || error.code == .notFound {
            logger.error("cannot schedule DAG: its definition is unreadable", metadata: ["dag.id": "\(dagId)"])
            return .distantFuture
        }
        guard let timetable = dag.timetable(defaultTimeZone: defaultTimeZone) else { return .distantFuture }
        var activeCount = active.queued + active.running
        var last = try await runs.lastAutomatedInterval(dagId: dag.dagId)
        var createdHere = 0
        let catchup = dag.catchup ?? settings.catchupByDefault
        while let next = timetable.nextInterval(after: last, catchup: catchup, now: now) {
            guard timetable.isDue(next, now: now) else {
                outcome.nextDue = min(outcome.nextDue ?? next.end, next.end)
                return next.end
            }
            guard activeCount < dag.maxActiveRuns, createdHere < batchLimit else { return nil }
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
        // The timetable has ended (end_date): nothing more is due for this version.
        return .distantFuture
    }
}
