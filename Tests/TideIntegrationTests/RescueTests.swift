import Foundation
import Testing
import TideCore
import TidePostgres
import TideTestSupport

@Suite("Rescue of a dead worker's tries", .serialized)
struct RescueTests {
    /// The output of a local task is stored while it runs (every 2 s): a worker killed with
    /// SIGKILL after its task printed for 10 s loses at most the last interval of it.
    @Test func aSIGKILLedWorkersLocalTaskKeepsTheOutputItPrinted() async throws {
        try await withCluster { cluster in
            let marker = cluster.dagsFolder + "/printed"
            try cluster.writeDAG(
                "chatty.yaml",
                """
                dag_id: chatty
                tasks:
                  - task_id: talk
                    bash: 'for i in $(seq 1 20); do echo "line $i"; sleep 0.5; done; touch \(marker); sleep 60'
                """)
            try cluster.startScheduler(["TIDE_SCHEDULER_WORKER_TIMEOUT": "2s"])
            let doomed = try cluster.startWorker(concurrency: 1)
            try await cluster.waitForDAG("chatty")
            let run = try await cluster.trigger("chatty")
            try await Eventually.that("the task to print for 10 s", timeout: 60, describe: cluster.logs) {
                FileManager.default.fileExists(atPath: marker)
            }
            doomed.signal(SIGKILL)
            let finished = try await cluster.waitForRun(run.id)
            #expect(finished.state == .failed)
            let log = try await cluster.tasks.logs(runId: run.id, taskId: "talk", tryNumber: 1).first?.content ?? ""
            // Stored every 2 s, the last store came at most 2 s (4 lines) before the kill.
            let kept = (1...20).filter { log.contains("line \($0)\n") }
            #expect(kept == Array(1...kept.count) && kept.count >= 16, "\(log)")
            #expect(log.contains("stopped heartbeating (none for over 2 s): this try is failed"), "\(log)")
        }
    }

    @Test(
        "a SIGKILLed worker's try fails like any failed try: retried after its retry_delay, with its on_retry_callback, kept in the history"
    )
    func aLostTryFollowsTheTasksRetryRule() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        try await withCluster { cluster in
            let marker = cluster.dagsFolder + "/started"
            try cluster.writeDAG(
                "lost.yaml",
                """
                dag_id: lost
                tasks:
                  - task_id: job
                    retries: 1
                    retry_delay: 4s
                    on_retry_callback: {url: "http://127.0.0.1:\(server.port)/retry"}
                    bash: 'echo "try $TIDE_TRY_NUMBER"; if [ "$TIDE_TRY_NUMBER" = 1 ]; then touch \(marker); sleep 20; fi'
                """)
            try cluster.startScheduler(["TIDE_SCHEDULER_WORKER_TIMEOUT": "2s"])
            let doomed = try cluster.startWorker(concurrency: 1)
            try await cluster.waitForDAG("lost")
            let run = try await cluster.trigger("lost")
            try await Eventually.that("try 1 to run", describe: cluster.logs) {
                FileManager.default.fileExists(atPath: marker)
            }
            doomed.signal(SIGKILL)
            try cluster.startWorker(concurrency: 1)
            let finished = try await cluster.waitForRun(run.id)
            #expect(finished.state == .success)
            let instance = try #require(try await cluster.instances(run.id)["job"])
            #expect(instance.tryNumber == 2)
            let tries = try await cluster.tasks.tries(of: instance)
            #expect(tries.map(\.state) == ["failed", "success"])
            let lostEnded = try #require(tries.first?.endedAt)
            let retryStarted = try #require(tries.last?.startedAt)
            #expect(retryStarted - lostEnded >= 3.9, "the retry waited for retry_delay (4 s) after the rescue")
            let log = try await cluster.tasks.logs(runId: run.id, taskId: "job", tryNumber: 1).first?.content ?? ""
            #expect(log.contains("stopped heartbeating (none for over 2 s): this try is failed"), "\(log)")
            try await Eventually.that("the on_retry_callback to arrive", describe: cluster.logs) {
                server.requests.contains { $0.path == "/retry" }
            }
        }
    }
}
