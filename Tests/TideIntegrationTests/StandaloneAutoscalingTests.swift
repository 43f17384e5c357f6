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
            let workers = { ScalingSupport.workers(of: standalone.pid).count }
            try await cluster.waitForDAG("burst")
            try await Eventually.that("one worker while idle", describe: cluster.logs) { workers() == 1 }
            // The worker executable built next to `tide` runs them, as worker replicas run it.
            let tide = URL(fileURLWithPath: TideProcess.binaryPath()).resolvingSymlinksInPath()
            let programs = ScalingSupport.workers(of: standalone.pid).map(\.executable)
            #expect(
                programs == [tide.deletingLastPathComponent().appendingPathComponent("tide-worker").path],
                "\(standalone.output.suffix(2000))")

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

    @Test func aTideWorkerOfAnotherVersionIsPassedOverForTideWorker() async throws {
        try await withCluster { cluster in
            // `tide` in a folder of its own (a hard link: no copy of the binary) next to a
            // `tide-worker` that reports another version, as after upgrading `tide` alone.
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "tide-standalone-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let tide = folder.appendingPathComponent("tide")
            let built = URL(fileURLWithPath: TideProcess.binaryPath()).resolvingSymlinksInPath()
            do {
                try FileManager.default.linkItem(at: built, to: tide)
            } catch {
                try FileManager.default.copyItem(at: built, to: tide)
            }
            let stale = folder.appendingPathComponent("tide-worker")
            try "#!/bin/sh\necho 0.0.1\n".write(to: stale, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: stale.path)

            let standalone = try cluster.startProcess(
                ["standalone", "--workers", "1", "--concurrency", "2", "--api-port", "0"], executable: tide.path)
            try await Eventually.that("one worker", describe: { standalone.output }) {
                ScalingSupport.workers(of: standalone.pid).count == 1
            }
            let worker = try #require(ScalingSupport.workers(of: standalone.pid).first)
            #expect(worker.executable == tide.path)
            #expect(standalone.output.contains("worker processes run \(tide.path) worker"))
        }
    }
}
