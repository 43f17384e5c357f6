import Foundation
import Testing
import TideCore
import TidePostgres
import TideTestSupport

/// A branch task's choice skips the paths it did not follow, joins behave as in Airflow, and a
/// clear either keeps the choice (a cleared skipped task is skipped again) or makes a new one.
@Suite("Branching", .serialized)
struct BranchTests {
    static let dag = """
        dag_id: branching
        tasks:
          - task_id: pick
            branch: true
            bash: |
              echo "choosing for try $TIDE_TRY_NUMBER"
              if [ "$TIDE_TRY_NUMBER" = 1 ]; then echo delta_load; else echo '["full_load"]'; fi
          - task_id: full_load
            upstream: [pick]
            bash: echo full
          - task_id: delta_load
            upstream: [pick]
            bash: echo delta
          - task_id: after_delta
            upstream: [delta_load]
            bash: echo after
          - task_id: join
            upstream: [full_load, after_delta]
            trigger_rule: none_failed_min_one_success
            bash: echo joined
          - task_id: strict_join
            upstream: [full_load, after_delta]
            bash: echo strict
          - task_id: bad_pick
            branch: true
            bash: echo delta_laod
          - task_id: never
            upstream: [bad_pick]
            bash: echo never
        """

    @Test func theBranchFollowsItsChoiceAndAClearKeepsOrRemakesIt() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG("branching.yaml", Self.dag)
            try await cluster.start(loading: "branching")
            let run = try await cluster.runToEnd("branching")
            var tasks = try await cluster.instances(run.id)
            let states = { (tasks: [String: TaskInstanceRecord]) in tasks.mapValues(\.state) }
            #expect(
                states(tasks) == [
                    "pick": .success, "delta_load": .success, "after_delta": .success, "full_load": .skipped,
                    "join": .success, "strict_join": .skipped, "bad_pick": .failed, "never": .upstreamFailed,
                ])
            let pickLog = try await cluster.firstLog(run.id, "pick")
            #expect(pickLog.contains("branch: following delta_load; skipping full_load"), "\(pickLog)")
            let badLog = try await cluster.firstLog(run.id, "bad_pick")
            #expect(
                badLog.contains(
                    "branch 'bad_pick' chose 'delta_laod', not a task of DAG 'branching' (did you mean 'delta_load'?)"),
                "\(badLog)")
            let stored = try await XComStore(pool: cluster.schema.pool).entries(runId: run.id, taskId: "pick")
            #expect(
                stored.map { "\($0.key)=\($0.value)" } == [
                    #"return_value="delta_load""#, #"skipmixin_key={"followed": ["delta_load"]}"#,
                ])

            // A skipped task cleared alone is skipped again: the branch's choice stands.
            let clearedSkipped = try await cluster.cli(["tasks", "clear", String(run.id), "full_load"])
            #expect(clearedSkipped.status == 0, "\(clearedSkipped.output)")
            try await Eventually.that("full_load to be skipped again", describe: cluster.logs) {
                try await cluster.instances(run.id)["full_load"]?.state == .skipped
            }
            #expect(try await cluster.waitForRun(run.id).state == .failed)

            // The branch cleared with its downstream chooses again (its second try picks full_load).
            let cleared = try await cluster.cli(["tasks", "clear", String(run.id), "pick", "--downstream"])
            #expect(cleared.status == 0, "\(cleared.output)")
            try await Eventually.that("the branch to choose again", describe: cluster.logs) {
                let tasks = try await cluster.instances(run.id)
                return tasks["pick"]?.tryNumber == 2 && tasks["join"]?.state.isFinished == true
                    && tasks["strict_join"]?.state.isFinished == true
            }
            tasks = try await cluster.instances(run.id)
            #expect(tasks["full_load"]?.state == .success)
            #expect(tasks["delta_load"]?.state == .skipped)
            #expect(tasks["after_delta"]?.state == .skipped)
            #expect(tasks["join"]?.state == .success)
            #expect(tasks["strict_join"]?.state == .skipped)
        }
    }
}
