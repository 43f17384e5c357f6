import Foundation
import Testing
import TideCore
import TidePostgres
import TideTestSupport

/// `tide doctor` against real services and the simulator: a consistent installation, then each
/// kind of problem it must name (with what to change) and exit 1 for.
@Suite("tide doctor", .serialized)
struct DoctorTests {
    /// A simulator's configuration with `denied` as what its SelfSubjectAccessReviews refuse.
    static func simulator(denied: [String] = []) -> String {
        var configuration = "node_pools:\n  - {name: default, min_nodes: 1, max_nodes: 1}\n"
        if !denied.isEmpty {
            configuration += "denied_access: [\(denied.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
        }
        return configuration
    }

    private func doctor(_ cluster: Cluster, _ extra: [String: String]) async throws -> (status: Int32, output: String) {
        try await runTide(["doctor"], environment: try cluster.environment(extra))
    }

    /// The finding of `check` marked `mark` (`ok`, `WARNING`, `ERROR`), without the two columns.
    private func line(_ output: String, _ markAndCheck: String) -> String? {
        let wanted = markAndCheck.split(separator: " ", omittingEmptySubsequences: true)
        return output.split(separator: "\n").map(String.init).first { line in
            Array(line.split(separator: " ", omittingEmptySubsequences: true).prefix(2)) == wanted
        }
    }

    @Test func aConsistentInstallationIsAllOKAndEachProblemIsAnErrorWithItsFix() async throws {
        try await KubeSim.with(configuration: Self.simulator()) { sim in
            try await withCluster { cluster in
                let config = sim.folder + "/doctor.yaml"
                try "kubernetes:\n  kubeconfig: \(sim.kubeconfigPath)\n".write(
                    toFile: config, atomically: true, encoding: .utf8)
                let settings = ["TIDE_CONFIG": config, "TIDE_SCHEDULER_PARALLELISM": "4"]
                try cluster.writeDAG("ok.yaml", "dag_id: ok\ntasks:\n  - task_id: a\n    bash: 'true'\n")
                try cluster.startScheduler(settings)
                try cluster.startWorker(concurrency: 4, settings)
                try await cluster.waitForDAG("ok")
                try await Eventually.that("the worker to register") {
                    try await !WorkerStore(pool: cluster.schema.pool).list().isEmpty
                }

                let healthy = try await doctor(cluster, settings)
                #expect(healthy.status == 0, "\(healthy.output)")
                for check in ["postgresql", "clock", "redis", "kubernetes", "rbac", "dags", "capacity"] {
                    #expect(
                        line(healthy.output, "ok       \(check)") != nil, "no ok line for \(check):\n\(healthy.output)")
                }
                #expect(healthy.output.hasSuffix("0 errors, 0 warnings\n"), "\(healthy.output)")

                // Capacity: parallelism above the slots (a warning), a task on a pool that does not exist (an error).
                try cluster.writeDAG(
                    "pooled.yaml", "dag_id: pooled\ntasks:\n  - task_id: load\n    pool: warehouse\n    bash: 'true'\n")
                try await cluster.waitForDAG("pooled")
                let capacity = try await doctor(cluster, settings.merging(["TIDE_SCHEDULER_PARALLELISM": "32"]) { $1 })
                #expect(capacity.status == 1)
                #expect(
                    line(capacity.output, "WARNING  capacity")?.hasSuffix(
                        "scheduler.parallelism is 32 but the live workers (1 now) have 4 slots: at most 4 tasks run at once until more start"
                    )
                        == true,
                    "\(capacity.output)")
                #expect(
                    line(capacity.output, "ERROR    capacity")?.hasSuffix(
                        "pool 'warehouse' does not exist (used by 1 task: pooled.load): its tasks never run") == true)
                #expect(capacity.output.contains("→ tide pools set warehouse SLOTS"))

                // A DAG file that does not load.
                try cluster.writeDAG("broken.yaml", "dag_id: broken\ntasks: [}\n")
                try await Eventually.that("the import error to be recorded") {
                    try await !cluster.dags.importErrors().isEmpty
                }
                let broken = try await doctor(cluster, settings)
                #expect(broken.status == 1)
                #expect(
                    line(broken.output, "ERROR    dags")?.contains("broken.yaml does not load: ") == true,
                    "\(broken.output)")
                #expect(broken.output.contains("→ tide dags validate broken.yaml"))

                // Redis not there.
                let noRedis = try await doctor(
                    cluster, settings.merging(["TIDE_REDIS_URL": "redis://127.0.0.1:9/0"]) { $1 })
                #expect(noRedis.status == 1)
                #expect(line(noRedis.output, "ERROR    redis")?.contains("cannot reach redis://127.0.0.1:9/0") == true)

                // A schema that was never migrated: named, and nothing is read from it.
                let fresh = try await doctor(
                    cluster, settings.merging(["TIDE_DATABASE_SCHEMA": "never_migrated"]) { $1 })
                #expect(fresh.status == 1)
                #expect(
                    line(fresh.output, "ERROR    postgresql")?.hasSuffix(
                        "the schema is not up to date: migration 1 is not applied")
                        == true, "\(fresh.output)")
                #expect(fresh.output.contains("→ tide db migrate"))

                // A worker whose clock runs 45 s ahead (as its heartbeat measured it).
                let workers = WorkerStore(pool: cluster.schema.pool)
                try await workers.register(id: "skewed", hostname: "far-host", pid: 1, queues: ["default"], slots: 1)
                try await workers.heartbeat(
                    id: "skewed", running: 0, state: "running", clock: Date().timeIntervalSince1970 + 45)
                let skewed = try await doctor(cluster, settings)
                #expect(skewed.status == 1)
                let clock = line(skewed.output, "ERROR    clock") ?? ""
                #expect(clock.contains("worker skewed on far-host's clock is 4"), "\(skewed.output)")
                #expect(clock.hasSuffix(" s ahead of PostgreSQL's"), "\(skewed.output)")
                #expect(line(skewed.output, "ERROR dags") != nil, "a clock off does not hide the other checks")
                #expect(line(skewed.output, "ok       clock")?.contains("this machine's clock is within") == true)
                #expect(
                    skewed.output.contains("clock       the clocks of 1 live scheduler(s) are within"),
                    "\(skewed.output)")
                // A scheduler elsewhere whose clock is 50 s behind.
                try await SchedulerClockStore(pool: cluster.schema.pool).record(
                    id: "far-scheduler", hostname: "elsewhere", clock: Date().timeIntervalSince1970 - 50)
                let behind = try await doctor(cluster, settings)
                #expect(
                    behind.output.contains("scheduler far-scheduler on elsewhere's clock is 5"), "\(behind.output)")
                #expect(behind.output.contains(" s behind PostgreSQL's"))
            }
        }
    }

    @Test func rightsThePodTasksLackAreNamed() async throws {
        try await KubeSim.with(configuration: Self.simulator(denied: ["delete pods", "get pods/log"])) { sim in
            try await withCluster { cluster in
                let config = sim.folder + "/doctor.yaml"
                try """
                kubernetes:
                  kubeconfig: \(sim.kubeconfigPath)
                  connections:
                    same: {kubeconfig: \(sim.kubeconfigPath), namespace: jobs}
                    gone: {kubeconfig: \(sim.folder)/no-such-kubeconfig}
                """.write(toFile: config, atomically: true, encoding: .utf8)
                let result = try await doctor(cluster, ["TIDE_CONFIG": config])
                // Every named connection is checked too: reached (with its namespace's rights), or not.
                #expect(
                    result.output.contains("connection 'same': may not delete pods, get pods/log in namespace jobs"),
                    "\(result.output)")
                #expect(
                    result.output.contains(
                        "cannot use connection 'gone': cannot read the kubeconfig \(sim.folder)/no-such-kubeconfig"))
                #expect(result.status == 1)
                #expect(
                    line(result.output, "ERROR    rbac")?.hasSuffix(
                        "may not delete pods, get pods/log in namespace default")
                        == true, "\(result.output)")
                #expect(result.output.contains("Role and RoleBinding"))
            }
        }
    }
}
