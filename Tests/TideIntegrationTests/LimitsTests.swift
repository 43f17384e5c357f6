import Foundation
import Testing
import TideCore
import TidePostgres
import TideTestSupport

/// The most task instances running at the same moment, from their recorded start and end times.
private func peakConcurrency(_ instances: [TaskInstanceRecord]) -> Int {
    instances.compactMap { instance -> Int? in
        guard let start = instance.startedAt else { return nil }
        return instances.filter { other in
            guard let otherStart = other.startedAt, let otherEnd = other.endedAt else { return false }
            return otherStart <= start && otherEnd > start
        }.count
    }.max() ?? 0
}

@Suite("Limits and pools under two schedulers", .serialized)
struct LimitsTests {
    private func fanOut(_ dagId: String, tasks: Int, extra: String = "", taskExtra: String = "") -> String {
        var yaml = "dag_id: \(dagId)\n\(extra)tasks:\n"
        for index in 1...tasks {
            yaml += "  - task_id: t\(index)\n\(taskExtra)    bash: sleep 0.4\n"
        }
        return yaml
    }

    @Test func aPoolIsNeverOverSubscribed() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG("pooled.yaml", fanOut("pooled", tasks: 8, taskExtra: "    pool: db\n"))
            _ = try await cluster.cli(["pools", "set", "db", "2", "--description", "two connections"])
            try cluster.startScheduler()
            try await cluster.start(loading: "pooled", workers: 2, concurrency: 8)
            let run = try await cluster.runToEnd("pooled")
            #expect(run.state == .success)
            #expect(peakConcurrency(Array(try await cluster.instances(run.id).values)) == 2)
            let pools = try await cluster.cli(["pools", "list"])
            #expect(pools.output.contains("db            2      0     0        two connections"))
        }
    }

    @Test func parallelismHoldsAcrossDAGsAndSchedulers() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG("one.yaml", fanOut("one", tasks: 5))
            try cluster.writeDAG("two.yaml", fanOut("two", tasks: 5))
            for _ in 0..<2 {
                try cluster.startScheduler(["TIDE_SCHEDULER_PARALLELISM": "3"])
            }
            for _ in 0..<2 { try cluster.startWorker(concurrency: 8) }
            try await cluster.waitForDAG("one")
            try await cluster.waitForDAG("two")
            let first = try await cluster.trigger("one")
            let second = try await cluster.trigger("two")
            _ = try await cluster.waitForRun(first.id)
            _ = try await cluster.waitForRun(second.id)
            let all =
                Array(try await cluster.instances(first.id).values)
                + Array(try await cluster.instances(second.id).values)
            #expect(all.allSatisfy { $0.state == .success })
            #expect(peakConcurrency(all) <= 3)
            #expect(peakConcurrency(all) >= 2, "the limit, not a lack of workers, is what held tasks back")
        }
    }

    @Test func maxActiveTisPerDagSerializesATaskAcrossRuns() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "serial.yaml",
                "dag_id: serial\ntasks:\n  - task_id: load\n    max_active_tis_per_dag: 1\n    bash: sleep 0.4\n")
            try cluster.startScheduler()
            try await cluster.start(loading: "serial", workers: 2, concurrency: 4)
            let runs = [
                try await cluster.trigger("serial"), try await cluster.trigger("serial"),
                try await cluster.trigger("serial"),
            ]
            var loads: [TaskInstanceRecord] = []
            for run in runs {
                _ = try await cluster.waitForRun(run.id)
                if let load = try await cluster.instances(run.id)["load"] { loads.append(load) }
            }
            #expect(loads.count == 3)
            #expect(peakConcurrency(loads) == 1)
        }
    }

    @Test func readyTasksStartInPriorityOrder() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "prio.yaml",
                """
                dag_id: prio
                max_active_tasks: 1
                default_args: {weight_rule: absolute}
                tasks:
                  - task_id: root
                    bash: 'true'
                  - task_id: low
                    upstream: [root]
                    priority_weight: 1
                    bash: 'true'
                  - task_id: high
                    upstream: [root]
                    priority_weight: 10
                    bash: 'true'
                  - task_id: mid
                    upstream: [root]
                    priority_weight: 5
                    bash: 'true'
                """)
            try await cluster.start(loading: "prio", workers: 1, concurrency: 4)
            let run = try await cluster.runToEnd("prio")
            let tasks = try await cluster.instances(run.id)
            let order = ["low", "high", "mid"].sorted { (tasks[$0]?.startedAt ?? 0) < (tasks[$1]?.startedAt ?? 0) }
            #expect(order == ["high", "mid", "low"])
        }
    }

    @Test func maxActiveRunsAndMaxActiveTasksHoldWithTwoSchedulers() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "runs.yaml", "dag_id: runs\nmax_active_runs: 1\ntasks:\n  - task_id: a\n    bash: sleep 0.3\n")
            try cluster.writeDAG("wide.yaml", fanOut("wide", tasks: 6, extra: "max_active_tasks: 2\n"))
            try cluster.startScheduler()
            try await cluster.start(loading: "runs", workers: 2, concurrency: 8)
            try await cluster.waitForDAG("wide")
            var runs: [RunRecord] = []
            for _ in 0..<4 { runs.append(try await cluster.trigger("runs")) }
            let wide = try await cluster.trigger("wide")
            var finished: [RunRecord] = []
            for run in runs { finished.append(try await cluster.waitForRun(run.id)) }
            #expect(finished.allSatisfy { $0.state == .success })
            let overlapping = finished.map { run in
                finished.filter { other in
                    guard let start = run.startedAt, let otherStart = other.startedAt, let otherEnd = other.endedAt
                    else {
                        return false
                    }
                    return otherStart <= start && otherEnd > start
                }.count
            }
            #expect(overlapping.max() == 1, "max_active_runs: 1")
            _ = try await cluster.waitForRun(wide.id)
            #expect(peakConcurrency(Array(try await cluster.instances(wide.id).values)) <= 2)
        }
    }
}
