import Foundation
import Logging
import Testing
import TideCore
import TidePostgres
import TideScheduler
import TideTestSupport

/// The scheduling core beside its maintenance jobs, in-process, with real PostgreSQL, Redis and
/// worker processes.
@Suite("Scheduling core and maintenance", .serialized)
struct MaintenanceIsolationTests {
    /// A scheduler waits for events, and a worker for messages, in blocking Redis calls with long
    /// timeouts (the poll interval here is 30 s, a pop's safety timeout 10 s); SIGTERM wakes both
    /// at once (CLIENT UNBLOCK), so they stop in well under those timeouts.
    @Test(.timeLimit(.minutes(2)))
    func sigtermWakesTheBlockedWaitsOfSchedulerAndWorkerAtOnce() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG("one.yaml", "dag_id: one\ntasks:\n  - {task_id: a, command: [\"true\"]}\n")
            let slowPoll = ["TIDE_SCHEDULER_POLL_INTERVAL": "30s"]
            let scheduler = try cluster.startScheduler(slowPoll)
            let worker = try cluster.startWorker(concurrency: 2, slowPoll)
            try await cluster.waitForDAG("one")
            // One run through both, so each is past its start-up and blocked in Redis again.
            #expect(try await cluster.runToEnd("one").state == .success)
            try await Eventually.that("the worker to be idle in its pop") {
                try await WorkerStore(pool: cluster.schema.pool).list().first?.running == 0
            }
            for (name, process) in [("scheduler", scheduler), ("worker", worker)] {
                let start = ContinuousClock.now
                process.signal(SIGTERM)
                try await Eventually.that("the \(name) to exit", timeout: 8) { !process.isRunning }
                #expect(
                    ContinuousClock.now - start < .seconds(4), "\(name) stopped after \(ContinuousClock.now - start)")
                #expect(process.exitStatus == 0, "\(name)")
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func theCoreRunsAChainToItsEndWhileAMaintenanceJobIsStuck() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "chain.yaml",
                """
                dag_id: chain
                tasks:
                  - {task_id: a, command: ["true"]}
                  - {task_id: b, upstream: [a], command: ["true"]}
                  - {task_id: c, upstream: [b], command: ["true"]}
                """)
            var settings = SchedulerSettings()
            settings.pollIntervalSeconds = 1
            settings.dagSyncIntervalSeconds = 0.3
            let stuckRuns = LockedBox(0)
            var dependencies = SchedulerService.Dependencies(
                pool: cluster.schema.pool, redis: cluster.prefix.endpoint, keys: cluster.prefix.keys,
                dagsFolder: cluster.dagsFolder)
            dependencies.additionalMaintenance = [
                MaintenanceJob(name: "stuck", interval: .milliseconds(100)) {
                    stuckRuns.mutate { $0 += 1 }
                    try await Task.sleep(for: .seconds(3600))
                    return nil
                }
            ]
            let scheduler = SchedulerService(
                settings: settings, dependencies: dependencies, logger: Logger(label: "in-process-scheduler"))
            let running = Task { try await scheduler.run() }
            try cluster.startWorker(concurrency: 2)
            try await cluster.waitForDAG("chain")
            let run = try await cluster.trigger("chain")
            let finished = try await cluster.waitForRun(run.id, timeout: 60)
            #expect(finished.state == .success)
            #expect(try await cluster.instances(run.id).values.allSatisfy { $0.state == .success })
            // The stuck job never got past its first run, and held nothing up.
            #expect(stuckRuns.value == 1)
            // Shutdown by cancellation reaches the stuck job too: the scheduler returns (the
            // test's time limit fails it otherwise).
            running.cancel()
            _ = try? await running.value
        }
    }
}
