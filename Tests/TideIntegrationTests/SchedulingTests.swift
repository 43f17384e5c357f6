import Foundation
import Logging
import Testing
import TideCore
import TidePostgres
import TideRedis
import TideService
import TideTestSupport

@testable import TideScheduler

/// Midnight UTC `days` days ago, as `YYYY-MM-DD`.
private func daysAgo(_ days: Int) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let day = calendar.date(byAdding: .day, value: -days, to: calendar.startOfDay(for: Date()))!
    let formatter = DateFormatter()
    formatter.timeZone = calendar.timeZone
    formatter.dateFormat = "yyyy-MM-dd"
    return formatter.string(from: day)
}

@Suite("Scheduling", .serialized)
struct SchedulingTests {
    @Test func catchupCreatesEveryMissedRunOldestFirstWithinMaxActiveRuns() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "daily.yaml",
                """
                dag_id: daily
                schedule: "@daily"
                start_date: \(daysAgo(4))
                catchup: true
                max_active_runs: 2
                tasks:
                  - task_id: work
                    bash: sleep 0.3; echo "daily work"
                """)
            try await cluster.start(loading: "daily", workers: 2)
            let runs = try await Eventually.value("4 finished daily runs", describe: cluster.logs) {
                let all = try await cluster.runs.list(dagId: "daily")
                return all.count == 4 && all.allSatisfy(\.state.isFinished) ? all : nil
            }
            let byLogicalDate = runs.sorted { $0.logicalDate < $1.logicalDate }
            #expect(byLogicalDate.map(\.runType) == Array(repeating: "scheduled", count: 4))
            #expect(byLogicalDate.map(\.state) == Array(repeating: .success, count: 4))
            #expect(byLogicalDate.map(\.id) == byLogicalDate.map(\.id).sorted(), "created oldest first")
            for (earlier, later) in zip(byLogicalDate, byLogicalDate.dropFirst()) {
                #expect(later.logicalDate - earlier.logicalDate == 86_400)
                #expect(earlier.dataIntervalEnd == later.dataIntervalStart)
            }
            // Never more than max_active_runs running at once, by the recorded times.
            for run in runs {
                guard let start = run.startedAt else { continue }
                let overlapping = runs.filter { other in
                    guard let otherStart = other.startedAt, let otherEnd = other.endedAt else { return false }
                    return otherStart <= start && otherEnd > start
                }
                #expect(overlapping.count <= 2)
            }
            #expect(try await cluster.runs.list(dagId: "daily").count == 4, "no run for the interval still in progress")
        }
    }

    @Test func withoutCatchupOnlyTheLatestIntervalRuns() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "recent.yaml",
                "dag_id: recent\nschedule: '0 0 * * *'\nstart_date: \(daysAgo(10))\ntasks:\n  - task_id: a\n    bash: 'true'\n"
            )
            try await cluster.start(loading: "recent")
            let run = try await Eventually.value("the catch-up-free run", describe: cluster.logs) {
                try await cluster.runs.list(dagId: "recent").first
            }
            #expect(
                LocalDate.format(Date(timeIntervalSince1970: run.logicalDate), in: .gmt) == "\(daysAgo(1))T00:00:00Z")
            #expect(try await cluster.waitForRun(run.id).state == .success)
            #expect(try await cluster.runs.list(dagId: "recent").count == 1)
        }
    }

    @Test func anIntervalScheduleCreatesRunsAsIntervalsEnd() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "ticker.yaml",
                "dag_id: ticker\nschedule: {every: 2s}\nstart_date: \(daysAgo(1))\ntasks:\n  - task_id: tick\n    bash: 'true'\n"
            )
            try await cluster.start(loading: "ticker")
            let runs = try await Eventually.value("three ticker runs", describe: cluster.logs) {
                let all = try await cluster.runs.list(dagId: "ticker")
                return all.count >= 3 ? all.sorted { $0.logicalDate < $1.logicalDate } : nil
            }
            for (earlier, later) in zip(runs, runs.dropFirst()) {
                #expect(later.logicalDate - earlier.logicalDate == 2)
                // Created when its interval ended, not before.
                if let end = later.dataIntervalEnd { #expect(later.queuedAt >= end) }
            }
        }
    }

    @Test func pausedDAGsCreateNoRuns() async throws {
        try await withCluster { cluster in
            let dag = try DAGParser.parse(
                yaml:
                    "dag_id: p\nschedule: '@hourly'\nstart_date: \(daysAgo(1))\ntasks:\n  - task_id: a\n    bash: 'true'\n",
                file: "p.yaml")
            try await cluster.dags.upsert(dag)
            let creator = ScheduledRunCreator(
                dags: cluster.dags, runs: cluster.runs, definitions: DagVersionCache(store: cluster.dags),
                settings: SchedulerSettings(), defaultTimeZone: "UTC", logger: Logger(label: "test"))
            try await cluster.dags.setPaused("p", true)
            #expect(try await creator.createDueRuns(now: Date()).created.isEmpty)
            try await cluster.dags.setPaused("p", false)
            let created = try await creator.createDueRuns(now: Date())
            #expect(created.created.count == 1)
            #expect(created.nextDue != nil)
            #expect(try await creator.createDueRuns(now: Date()).created.isEmpty, "the next interval has not ended")
            let cli = try await cluster.cli(["dags", "pause", "nope"])
            #expect(cli.status == 1)
            #expect(cli.output.hasPrefix("error: no DAG 'nope'"))
        }
    }

    /// The scheduler's fallback pass is 10 minutes away here: only the wake-up that unpausing
    /// sends can start the runs queued while the DAG was paused.
    @Test func unpausingStartsTheRunsQueuedWhileTheDAGWasPaused() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG("held.yaml", "dag_id: held\ntasks:\n  - task_id: a\n    bash: 'true'\n")
            try cluster.startScheduler(["TIDE_SCHEDULER_POLL_INTERVAL": "600s"])
            try cluster.startWorker()
            try await cluster.waitForDAG("held")
            #expect(try await cluster.cli(["dags", "pause", "held"]).status == 0)
            let queued = try await cluster.trigger("held")
            // Its wake-up was taken (and the run left queued) once a later, unpaused DAG's run is done.
            try cluster.writeDAG("free.yaml", "dag_id: free\ntasks:\n  - task_id: a\n    bash: 'true'\n")
            try await cluster.waitForDAG("free")
            _ = try await cluster.runToEnd("free")
            #expect(try await cluster.runs.get(queued.id).state == .queued)

            let unpaused = try await cluster.cli(["dags", "unpause", "held"])
            #expect(unpaused.status == 0)
            #expect(try await cluster.waitForRun(queued.id, timeout: 30).state == .success)

            // The API's PATCH is_paused goes through the same service call.
            let service = TideService(
                pool: cluster.schema.pool, redis: try TestServices.redisEndpoint(), keys: cluster.prefix.keys,
                limits: .init(parallelism: 32, nodePoolMaxPods: [:]), stopGraceSeconds: 5)
            _ = try await service.setPaused("held", true)
            let later = try await cluster.trigger("held")
            _ = try await cluster.runToEnd("free")
            #expect(try await cluster.runs.get(later.id).state == .queued)
            #expect(try await service.setPaused("held", false).isPaused == false)
            #expect(try await cluster.waitForRun(later.id, timeout: 30).state == .success)
        }
    }

    @Test func backfillCreatesEachIntervalOnceAndTheSchedulerRunsThem() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "bf.yaml",
                """
                dag_id: bf
                schedule: "@daily"
                start_date: 2026-01-01
                end_date: 2026-01-31
                max_active_runs: 2
                tasks:
                  - task_id: a
                    bash: 'true'
                """)
            try cluster.startScheduler()
            try await cluster.waitForDAG("bf")
            let first = try await cluster.cli(["dags", "backfill", "bf", "--from", "2026-01-03", "--to", "2026-01-07"])
            #expect(first.status == 0)
            #expect(first.output.contains("backfill of 'bf': 5 runs created, 0 already existed"))
            let again = try await cluster.cli(["dags", "backfill", "bf", "--from", "2026-01-01", "--to", "2026-01-07"])
            #expect(again.output.contains("backfill of 'bf': 2 runs created, 5 already existed"))
            try cluster.startWorker()
            let runs = try await Eventually.value("7 backfill runs to finish", describe: cluster.logs) {
                let all = try await cluster.runs.list(dagId: "bf").filter { $0.runType == "backfill" }
                return all.count == 7 && all.allSatisfy(\.state.isFinished) ? all : nil
            }
            #expect(runs.allSatisfy { $0.state == .success })
            let bad = try await cluster.cli(["dags", "backfill", "bf", "--from", "2026-01-09", "--to", "2026-01-02"])
            #expect(bad.output.hasPrefix("error: --from must not be after --to"))
        }
    }

    @Test func nextRunsFollowTheDAGTimeZoneAcrossDST() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "ny.yaml",
                """
                dag_id: ny
                schedule: "30 2 * * *"
                timezone: America/New_York
                start_date: 2026-01-01
                tasks:
                  - task_id: a
                    bash: 'true'
                """)
            try cluster.writeDAG("manual.yaml", "dag_id: manual\ntasks:\n  - task_id: a\n    bash: 'true'\n")
            try await cluster.start(loading: "ny", workers: 0)
            try await cluster.waitForDAG("manual")
            let result = try await cluster.cli([
                "dags", "next-runs", "ny", "-n", "3", "--after", "2026-03-07T00:00:00Z",
            ])
            #expect(result.status == 0)
            #expect(
                result.output.split(separator: "\n").map(String.init) == [
                    "2026-03-07T02:30:00-05:00", "2026-03-08T03:30:00-04:00", "2026-03-09T02:30:00-04:00",
                ])
            let utc = try await cluster.cli([
                "dags", "next-runs", "ny", "-n", "1", "--after", "2026-03-07T00:00:00Z", "--tz", "UTC",
            ])
            #expect(utc.output == "2026-03-07T07:30:00Z\n")
            let manual = try await cluster.cli(["dags", "next-runs", "manual"])
            #expect(manual.status == 1)
            #expect(manual.output.hasPrefix("error: DAG 'manual' has no schedule"))
        }
    }

    @Test func dagrunTimeoutFailsTheRunAndStopsItsRunningTask() async throws {
        try await withCluster { cluster in
            let pidFile = cluster.dagsFolder + "/slow.pid"
            try cluster.writeDAG(
                "timeout.yaml",
                """
                dag_id: timeout
                dagrun_timeout: 2s
                tasks:
                  - task_id: slow
                    bash: echo $$ > \(pidFile); exec sleep 300
                  - task_id: after
                    upstream: [slow]
                    bash: echo never
                """)
            try await cluster.start(loading: "timeout")
            let run = try await cluster.runToEnd("timeout")
            #expect(run.state == .failed)
            let tasks = try await cluster.instances(run.id)
            #expect(tasks["slow"]?.state == .skipped)
            #expect(tasks["after"]?.state == .skipped)
            let pid = try #require(
                Int32(
                    try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                ))
            try await Eventually.that("the timed-out task's process to be stopped", describe: cluster.logs) {
                !processIsAlive(pid)
            }
            let log = try await Eventually.value("the stopped try's log") {
                try await cluster.tasks.logs(runId: run.id, taskId: "slow").first
            }
            #expect(log.content.contains("[tide] stopped: the task instance was no longer running"))
        }
    }

    /// The worker renders a DAG's dates in its `template_timezone`; the run itself stays in UTC.
    @Test func templatesRenderInTheDAGsTemplateTimeZone() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "seoul.yaml",
                """
                dag_id: seoul
                template_timezone: Asia/Seoul
                tasks:
                  - task_id: report
                    bash: echo "{{ ds }} {{ ts }} {{ ts_nodash_with_tz }}"
                """)
            try await cluster.start(loading: "seoul")
            // 2026-01-31T20:00:00Z is 05:00 on 1 February in Seoul.
            let run = try await cluster.runs.trigger(dagId: "seoul", runId: "evening", logicalDate: 1_769_889_600)
            try await EventChannel(keys: cluster.prefix.keys).publish(
                TaskEvent(kind: .runCreated, runId: run.id), on: cluster.redis)
            #expect(try await cluster.waitForRun(run.id).state == .success)
            let log = try #require(try await cluster.tasks.logs(runId: run.id, taskId: "report").first?.content)
            #expect(log == "2026-02-01 2026-02-01T05:00:00+09:00 20260201T050000+0900\n")
        }
    }

    @Test func templatesRenderForTheRunAndAnUnknownKeyFailsOnlyItsTask() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "templated.yaml",
                """
                dag_id: templated
                schedule: "@daily"
                start_date: \(daysAgo(3))
                params: {table: sales}
                tasks:
                  - task_id: report
                    env: {TARGET: "{{ params.table }}_{{ ds_nodash }}"}
                    bash: echo "{{ ds }} prev={{ prev_ds }} yesterday={{ ds|ds_add:-1 }} try={{ ti.try_number }} $TARGET"
                  - task_id: broken
                    bash: echo "{{ params.missing }}"
                """)
            try await cluster.start(loading: "templated")
            let run = try await Eventually.value("the scheduled run", describe: cluster.logs) {
                try await cluster.runs.list(dagId: "templated").first
            }
            let finished = try await cluster.waitForRun(run.id)
            let ds = daysAgo(1)
            let log = try #require(try await cluster.tasks.logs(runId: run.id, taskId: "report").first?.content)
            #expect(
                log
                    == "\(ds) prev=\(daysAgo(2)) yesterday=\(daysAgo(2)) try=1 sales_\(ds.replacingOccurrences(of: "-", with: ""))\n"
            )
            let tasks = try await cluster.instances(run.id)
            #expect(tasks["report"]?.state == .success)
            #expect(tasks["broken"]?.state == .failed)
            let broken = try #require(try await cluster.tasks.logs(runId: run.id, taskId: "broken").first?.content)
            #expect(broken == "[tide] template error in bash: unknown variable 'params.missing'\n")
            #expect(finished.state == .failed)
        }
    }
}
