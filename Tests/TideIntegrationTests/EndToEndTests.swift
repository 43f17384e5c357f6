import Foundation
import Testing
import TideCore
import TidePostgres
import TideRedis
import TideTestSupport

@Suite("End to end: scheduler and worker processes", .serialized)
struct EndToEndTests {
    @Test func aDiamondRunsToSuccessAcrossTwoWorkerProcesses() async throws {
        try await withCluster { cluster in
            // b and c each hold a worker with concurrency 1 until the other has started, so
            // they can only both finish if two worker processes run them side by side.
            let marks = cluster.dagsFolder + "/marks"
            try cluster.writeDAG(
                "diamond.yaml",
                """
                dag_id: diamond
                tasks:
                  - task_id: a
                    bash: echo start
                  - task_id: b
                    upstream: [a]
                    bash: touch \(marks)-b; for i in $(seq 1 200); do [ -e \(marks)-c ] && exit 0; sleep 0.05; done; exit 1
                  - task_id: c
                    upstream: [a]
                    bash: touch \(marks)-c; for i in $(seq 1 200); do [ -e \(marks)-b ] && exit 0; sleep 0.05; done; exit 1
                  - task_id: d
                    upstream: [b, c]
                    command: [echo, joined]
                """)
            try await cluster.start(loading: "diamond", workers: 2, concurrency: 1)
            let run = try await cluster.runToEnd("diamond")
            #expect(run.state == .success)
            let tasks = try await cluster.instances(run.id)
            #expect(tasks.values.allSatisfy { $0.state == .success && $0.tryNumber == 1 })
            #expect(tasks["b"]?.workerId != tasks["c"]?.workerId, "b and c ran in different worker processes")
            let logs = try await cluster.tasks.logs(runId: run.id, taskId: "d")
            #expect(logs.map(\.content) == ["joined\n"])
        }
    }

    @Test func aFailingTaskFailsTheRunAndMarksDownstreamUpstreamFailed() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "failing.yaml",
                """
                dag_id: failing
                tasks:
                  - task_id: ok
                    bash: echo fine
                  - task_id: bad
                    upstream: [ok]
                    bash: echo "about to fail" >&2; exit 7
                  - task_id: after_bad
                    upstream: [bad]
                    bash: echo never
                  - task_id: after_after
                    upstream: [after_bad]
                    bash: echo never
                  - task_id: independent
                    bash: echo still runs
                """)
            try await cluster.start(loading: "failing")
            let run = try await cluster.runToEnd("failing")
            #expect(run.state == .failed)
            let tasks = try await cluster.instances(run.id)
            #expect(tasks["bad"]?.state == .failed)
            #expect(tasks["bad"]?.exitCode == 7)
            #expect(tasks["after_bad"]?.state == .upstreamFailed)
            #expect(tasks["after_after"]?.state == .upstreamFailed)
            #expect(tasks["independent"]?.state == .success)
            #expect(try await cluster.tasks.logs(runId: run.id, taskId: "bad").first?.content == "about to fail\n")
        }
    }

    @Test func triggerRulesRunCleanupAndAlertsAndLeavesDecideTheRun() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "rules.yaml",
                """
                dag_id: rules
                tasks:
                  - task_id: work
                    bash: exit 1
                  - task_id: cleanup
                    upstream: [work]
                    trigger_rule: all_done
                    bash: echo cleaned
                  - task_id: alert
                    upstream: [work]
                    trigger_rule: one_failed
                    bash: echo paging
                  - task_id: optional
                    bash: exit 99
                  - task_id: join
                    upstream: [optional, cleanup]
                    trigger_rule: none_failed_min_one_success
                    bash: echo joined
                """)
            try await cluster.start(loading: "rules")
            let run = try await cluster.runToEnd("rules")
            let tasks = try await cluster.instances(run.id)
            #expect(
                tasks.mapValues(\.state) == [
                    "work": .failed, "cleanup": .success, "alert": .success, "optional": .skipped, "join": .success,
                ])
            #expect(run.state == .success, "every leaf (alert, join) succeeded")
        }
    }

    /// Twenty leaves into joins, with the scheduler's full pass out of the way (30 s): only the
    /// events and the wide-join watch can start the joins, and they must not start early.
    @Test func wideJoinsStartAfterTheirLastUpstreamTaskAndFailEarly() async throws {
        try await withCluster { cluster in
            let leaves = (0..<20).map { "leaf_\($0)" }
            var yaml = "dag_id: wide\ntasks:\n"
            for leaf in leaves {
                // leaf_7 fails halfway; leaf_19 is the last to finish.
                let command = leaf == "leaf_7" ? "sleep 0.3; exit 1" : leaf == "leaf_19" ? "sleep 1.5" : "sleep 0.2"
                yaml += "  - task_id: \(leaf)\n    bash: \(command)\n"
            }
            let upstream = leaves.joined(separator: ", ")
            yaml += "  - task_id: join_all\n    upstream: [\(upstream)]\n    bash: echo never\n"
            yaml +=
                "  - task_id: join_done\n    upstream: [\(upstream)]\n    trigger_rule: all_done\n    bash: echo done\n"
            try cluster.writeDAG("wide.yaml", yaml)
            _ = try cluster.startScheduler(["TIDE_SCHEDULER_POLL_INTERVAL": "30s"])
            _ = try cluster.startWorker(concurrency: 8)
            try await cluster.waitForDAG("wide")
            let run = try await cluster.waitForRun(try await cluster.trigger("wide").id, timeout: 25)
            #expect(run.state == .failed)
            let tasks = try await cluster.instances(run.id)
            #expect(tasks["join_all"]?.state == .upstreamFailed)
            #expect(tasks["join_done"]?.state == .success)
            #expect(tasks["join_done"]?.tryNumber == 1)
            let leafEnds = leaves.compactMap { tasks[$0]?.endedAt }
            #expect(leafEnds.count == leaves.count)
            let lastLeafEnded = try #require(leafEnds.max())
            let joinStarted = try #require(tasks["join_done"]?.startedAt)
            #expect(joinStarted >= lastLeafEnded, "the all_done join started after every leaf ended")
            #expect(joinStarted - lastLeafEnded < 10, "it started on the last leaf's event, not a full pass")
            // upstream_failed as soon as leaf_7 failed, before the last leaf ended.
            let decided = try #require(tasks["join_all"]?.endedAt)
            #expect(decided < lastLeafEnded)
        }
    }

    @Test func exit99SkipsAndTheSkipPropagates() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "skipping.yaml",
                """
                dag_id: skipping
                tasks:
                  - task_id: check
                    bash: echo nothing new; exit 99
                  - task_id: process
                    upstream: [check]
                    bash: echo never
                  - task_id: other
                    bash: echo fine
                  - task_id: join
                    upstream: [process, other]
                    bash: echo never
                """)
            try await cluster.start(loading: "skipping")
            let run = try await cluster.runToEnd("skipping")
            #expect(run.state == .success, "skips do not fail a run")
            let tasks = try await cluster.instances(run.id)
            #expect(tasks["check"]?.state == .skipped)
            #expect(tasks["check"]?.exitCode == 99)
            #expect(tasks["process"]?.state == .skipped)
            #expect(tasks["join"]?.state == .skipped)
            #expect(tasks["other"]?.state == .success)
        }
    }

    @Test func aRetriedTaskSucceedsOnTryTwoAndBothLogsAreKept() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "flaky.yaml",
                """
                dag_id: flaky
                default_args:
                  retries: 3
                  retry_delay: 200ms
                tasks:
                  - task_id: flaky
                    bash: |
                      echo "attempt $TIDE_TRY_NUMBER"
                      [ "$TIDE_TRY_NUMBER" -ge 2 ] || exit 1
                  - task_id: after
                    upstream: [flaky]
                    bash: echo "conf day=$(echo $TIDE_CONF)"
                """)
            try await cluster.start(loading: "flaky")
            let run = try await cluster.runToEnd("flaky", conf: #"{"day":"2026-11-21"}"#)
            #expect(run.state == .success)
            let tasks = try await cluster.instances(run.id)
            #expect(tasks["flaky"]?.tryNumber == 2)
            let logs = try await cluster.tasks.logs(runId: run.id, taskId: "flaky")
            #expect(logs.map(\.tryNumber) == [1, 2])
            #expect(logs.map(\.content) == ["attempt 1\n", "attempt 2\n"])
            #expect(logs.map(\.state) == ["failed", "success"])
            #expect(
                try await cluster.tasks.logs(runId: run.id, taskId: "after").first?.content
                    == #"conf day={"day":"2026-11-21"}"# + "\n")
        }
    }

    @Test func aBrokenDAGFileIsReportedAndTheOtherDAGsStillRun() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG("good.yaml", "dag_id: good\ntasks:\n  - task_id: only\n    bash: echo ok\n")
            try cluster.writeDAG(
                "nested/broken.yaml",
                "dag_id: broken\ntasks:\n  - task_id: a\n    upstream: [missing]\n    bash: echo\n")
            try cluster.writeDAG("syntax.yml", "dag_id: syntax\ntasks: [\n")
            try await cluster.start(loading: "good")
            let errors = try await Eventually.value("import errors") {
                let found = try await cluster.dags.importErrors()
                return found.count == 2 ? found : nil
            }
            #expect(errors.map(\.fileloc) == ["nested/broken.yaml", "syntax.yml"])
            #expect(errors.first?.message == "nested/broken.yaml:4:16: task 'a' has unknown upstream 'missing'")
            let cli = try await cluster.cli(["dags", "errors"])
            #expect(cli.status == 0)
            #expect(cli.output.contains("nested/broken.yaml:4:16: task 'a' has unknown upstream 'missing'"))
            let run = try await cluster.runToEnd("good")
            #expect(run.state == .success)
            // Fixing the file clears its error and loads the DAG.
            try cluster.writeDAG("nested/broken.yaml", "dag_id: broken\ntasks:\n  - task_id: a\n    bash: echo fixed\n")
            try await cluster.waitForDAG("broken")
            try await Eventually.that("the fixed file's error to clear") {
                try await cluster.dags.importErrors().map(\.fileloc) == ["syntax.yml"]
            }
        }
    }

    @Test func removedDAGFilesDeactivateTheirDAGs() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG("temp.yaml", "dag_id: temp\ntasks:\n  - task_id: a\n    bash: echo\n")
            try await cluster.start(loading: "temp", workers: 0)
            try FileManager.default.removeItem(atPath: cluster.dagsFolder + "/temp.yaml")
            try await Eventually.that("temp to be deactivated") { try await cluster.dags.list().isEmpty }
            let cli = try await cluster.cli(["dags", "trigger", "temp"])
            #expect(cli.status == 1)
            #expect(cli.output.contains("error: no active DAG 'temp'"))
        }
    }

    @Test func aRunWhoseDAGVersionIsUnreadableFailsAloneAndOthersRun() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG("good.yaml", "dag_id: good\ntasks:\n  - task_id: a\n    bash: echo ok\n")
            try await cluster.start(loading: "good")
            // A run of a stored version that is not a DAG (a bad migration, a hand edit).
            try await cluster.schema.pool.query(
                "INSERT INTO dag_versions (dag_id, content_hash, definition) VALUES ('good', 'broken', '{\"not\": \"a dag\"}')"
            )
            let id = try #require(
                try await cluster.schema.pool.query(
                    """
                    INSERT INTO dag_runs (dag_id, run_id, dag_hash, state, logical_date)
                    VALUES ('good', 'doomed', 'broken', 'queued', now()) RETURNING id
                    """
                ).rows.first?.int64("id"))
            let doomed = try await cluster.waitForRun(id)
            #expect(doomed.state == .failed)
            #expect(try await cluster.instances(doomed.id).isEmpty, "it never started")
            let good = try await cluster.runToEnd("good")
            #expect(good.state == .success)
        }
    }
}
