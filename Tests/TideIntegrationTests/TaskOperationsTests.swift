import Foundation
import Testing
import TideCore
import TidePostgres
import TideTestSupport

@Suite("Clearing and marking tasks", .serialized)
struct TaskOperationsTests {
    @Test func clearingATaskAndItsDownstreamRunsThemAgainKeepingOldLogs() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "abc.yaml",
                """
                dag_id: abc
                tasks:
                  - task_id: a
                    bash: echo "a try $TIDE_TRY_NUMBER"
                  - task_id: b
                    upstream: [a]
                    bash: echo "b try $TIDE_TRY_NUMBER"
                  - task_id: c
                    upstream: [b]
                    bash: echo "c try $TIDE_TRY_NUMBER"
                """)
            try await cluster.start(loading: "abc")
            let run = try await cluster.runToEnd("abc")
            #expect(run.state == .success)
            let cleared = try await cluster.cli(["tasks", "clear", String(run.id), "b", "--downstream"])
            #expect(cleared.status == 0)
            #expect(cleared.output.contains("cleared 2 task instance(s) of run \(run.id): b, c"))
            try await Eventually.that("b and c to run again", describe: cluster.logs) {
                let tasks = try await cluster.instances(run.id)
                return tasks["c"]?.tryNumber == 2 && tasks["c"]?.state == .success
            }
            let again = try await cluster.waitForRun(run.id)
            #expect(again.state == .success)
            let tasks = try await cluster.instances(run.id)
            #expect(tasks["a"]?.tryNumber == 1)
            #expect(tasks["b"]?.tryNumber == 2)
            #expect(
                try await cluster.tasks.logs(runId: run.id, taskId: "b").map(\.content) == ["b try 1\n", "b try 2\n"])
        }
    }

    @Test func clearingARunningTaskStopsItBeforeTheNewTry() async throws {
        try await withCluster { cluster in
            let pidFile = cluster.dagsFolder + "/long.pid"
            try cluster.writeDAG(
                "long.yaml",
                """
                dag_id: long
                tasks:
                  - task_id: long
                    bash: |
                      if [ "$TIDE_TRY_NUMBER" = 1 ]; then echo $$ > \(pidFile); exec sleep 300; fi
                      echo "second try"
                """)
            try await cluster.start(loading: "long")
            let run = try await cluster.trigger("long")
            // The shell creates the file before it writes the pid into it: wait for the pid itself.
            let pid = try await Eventually.value("the first try to start") {
                (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap {
                    Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
                }
            }
            let cleared = try await cluster.cli(["tasks", "clear", String(run.id), "long"])
            #expect(cleared.status == 0)
            try await Eventually.that("the first try's process to be stopped", describe: cluster.logs) {
                !processIsAlive(pid)
            }
            let finished = try await cluster.waitForRun(run.id)
            #expect(finished.state == .success)
            let logs = try await cluster.tasks.logs(runId: run.id, taskId: "long")
            #expect(logs.map(\.tryNumber) == [1, 2])
            #expect(logs.last?.content == "second try\n")
        }
    }

    @Test func markingAFailedLeafSuccessDecidesTheRunAgain() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG("m.yaml", "dag_id: m\ntasks:\n  - task_id: a\n    bash: exit 4\n")
            try await cluster.start(loading: "m")
            let run = try await cluster.runToEnd("m")
            #expect(run.state == .failed)
            let marked = try await cluster.cli(["tasks", "mark", String(run.id), "a", "success"])
            #expect(marked.output.contains("marked task 'a' of run \(run.id) success (was failed)"))
            try await Eventually.that("the run to be decided again", describe: cluster.logs) {
                try await cluster.runs.get(run.id).state == .success
            }
            let bad = try await cluster.cli(["tasks", "mark", String(run.id), "a", "skipped"])
            #expect(bad.status == 1)
            #expect(bad.output.hasPrefix("error: state: expected success or failed, got 'skipped'"))
            let missing = try await cluster.cli(["tasks", "clear", String(run.id), "zzz"])
            #expect(missing.output.hasPrefix("error: run \(run.id) has no task 'zzz'"))
        }
    }
}
