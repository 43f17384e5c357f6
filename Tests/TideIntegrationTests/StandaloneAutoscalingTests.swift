import Foundation
import Testing
import TideCore
import TideTestSupport

@Suite("tide standalone --workers MIN..MAX follows the scaling hints")
struct StandaloneAutoscalingTests {
    @Test func workerProcessesRiseForABurstAndFallAfterTheWindowWithNoTaskLost() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "burst.yaml",
                """
                dag_id: burst
                schedule: null
                tasks:
                \((1...12).map { "  - {task_id: t\($0), bash: 'sleep 2'}" }.joined(separator: "\n"))
                """)
            let standalone = try cluster.startProcess(
                ["standalone", "--workers", "1..3", "--concurrency", "2", "--api-port", "0"],
                [
                    "TIDE_SCALING_INTERVAL": "500ms", "TIDE_SCALING_SCALE_DOWN_WINDOW": "4s",
                    "TIDE_WORKER_SHUTDOWN_GRACE": "10s",
                ])
            let workers = { ScalingSupport.children(of: standalone.pid, running: "worker").count }
            try await cluster.waitForDAG("burst")
            try await Eventually.that("one worker while idle", describe: cluster.logs) { workers() == 1 }

            let run = try await cluster.trigger("burst")
            // 12 tries at 2 per worker want 6 workers: the range caps it at 3.
            try await Eventually.that("three workers for the burst", timeout: 20, describe: cluster.logs) {
                workers() == 3
            }
            let finished = try await cluster.waitForRun(run.id)
            #expect(finished.state == .success)
            let instances = try await cluster.instances(run.id)
            #expect(instances.count == 12)
            #expect(instances.values.allSatisfy { $0.state == .success && $0.tryNumber == 1 })

            // After the scale-down window the extra workers are drained with SIGTERM.
            try await Eventually.that("back to one worker", timeout: 30, describe: cluster.logs) { workers() == 1 }
            #expect(standalone.output.contains("scaling workers down"))
            #expect(standalone.isRunning)
        }
    }
}
