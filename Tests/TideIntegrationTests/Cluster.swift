import Foundation
import Testing
import TideCore
import TidePostgres
import TideRedis
import TideTestSupport

/// A Tide installation of its own for one test: a fresh schema, Redis key prefix and DAG folder,
/// with real `tide scheduler` / `tide worker` processes started on demand.
final class Cluster: @unchecked Sendable {
    // Invariant: `processes` is only touched from the test's own task.
    let schema: IsolatedSchema
    let prefix: KeyPrefix
    let dagsFolder: String
    let redis: RedisConnection
    private var processes: [TideProcess] = []

    var runs: RunStore { RunStore(pool: schema.pool) }
    var tasks: TaskInstanceStore { TaskInstanceStore(pool: schema.pool) }
    var dags: DagStore { DagStore(pool: schema.pool) }

    private init(schema: IsolatedSchema, prefix: KeyPrefix, dagsFolder: String, redis: RedisConnection) {
        self.schema = schema
        self.prefix = prefix
        self.dagsFolder = dagsFolder
        self.redis = redis
    }

    static func make() async throws -> Cluster {
        let schema = try await IsolatedSchema.create()
        let prefix = try KeyPrefix()
        let folder = NSTemporaryDirectory() + "tide-dags-\(schema.name)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return Cluster(schema: schema, prefix: prefix, dagsFolder: folder, redis: try await prefix.connect())
    }

    /// The environment every process of this cluster gets: short intervals keep tests quick.
    func environment(_ extra: [String: String] = [:]) throws -> [String: String] {
        [
            "TIDE_DATABASE_URL": schema.url, "TIDE_DATABASE_SCHEMA": schema.name,
            "TIDE_REDIS_URL": try TestServices.redisURL(), "TIDE_REDIS_KEY_PREFIX": prefix.prefix,
            "TIDE_DAGS_FOLDER": dagsFolder, "TIDE_SCHEDULER_POLL_INTERVAL": "500ms",
            "TIDE_SCHEDULER_DAG_SYNC_INTERVAL": "300ms", "TIDE_WORKER_HEARTBEAT_INTERVAL": "1s",
            "TIDE_LOG_LEVEL": "debug",
        ].merging(extra) { _, new in new }
    }

    func writeDAG(_ file: String, _ yaml: String) throws {
        let path = (dagsFolder as NSString).appendingPathComponent(file)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Starts `tide ARGUMENTS` (or another of Tide's executables) as a long-running process of this
    /// cluster (stopped at shutdown).
    @discardableResult
    func startProcess(
        _ arguments: [String], _ extra: [String: String] = [:], executable: String = TideProcess.binaryPath(),
        name: String? = nil
    ) throws -> TideProcess {
        let process = try TideProcess(
            arguments, environment: try environment(extra), name: name ?? arguments.first ?? "tide",
            executable: executable)
        processes.append(process)
        return process
    }

    /// Starts `tide-scheduler`, the executable scheduler replicas run (`tide scheduler` is the same role).
    @discardableResult
    func startScheduler(_ extra: [String: String] = [:]) throws -> TideProcess {
        try startProcess([], extra, executable: TideProcess.builtBinaryPath("tide-scheduler"), name: "scheduler")
    }

    /// Starts `tide-worker`, the executable worker replicas run (`tide worker` is the same role).
    @discardableResult
    func startWorker(concurrency: Int = 4, _ extra: [String: String] = [:]) throws -> TideProcess {
        try startProcess(
            ["--concurrency", String(concurrency)], extra, executable: TideProcess.builtBinaryPath("tide-worker"),
            name: "worker")
    }

    /// Runs the CLI against this cluster.
    func cli(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await runTide(arguments, environment: try environment())
    }

    /// Waits until the scheduler has loaded a DAG.
    func waitForDAG(_ dagId: String) async throws {
        try await Eventually.that("DAG \(dagId) to be loaded", describe: logs) {
            try await dags.list().contains { $0.dagId == dagId }
        }
    }

    /// Starts a scheduler and `workers` worker processes, and waits until `dagId` is loaded.
    func start(loading dagId: String, workers: Int = 1, concurrency: Int = 4) async throws {
        try startScheduler()
        for _ in 0..<workers { try startWorker(concurrency: concurrency) }
        try await waitForDAG(dagId)
    }

    /// Triggers a run and waits for it to finish.
    func runToEnd(_ dagId: String, conf: String = "{}") async throws -> RunRecord {
        try await waitForRun(try await trigger(dagId, conf: conf).id)
    }

    /// Triggers a run the way the CLI does (row + wake-up event).
    func trigger(_ dagId: String, conf: String = "{}") async throws -> RunRecord {
        let run = try await runs.trigger(dagId: dagId, conf: conf)
        try await EventChannel(keys: prefix.keys).publish(TaskEvent(kind: .runCreated, runId: run.id), on: redis)
        return run
    }

    func waitForRun(_ id: Int64, timeout: Double = 60) async throws -> RunRecord {
        try await Eventually.value("run \(id) to finish", timeout: timeout, describe: logs) {
            let run = try await runs.get(id)
            return run.state.isFinished ? run : nil
        }
    }

    /// Task instances of a run by task id.
    func instances(_ runId: Int64) async throws -> [String: TaskInstanceRecord] {
        // A mapped task by its first instance (``mapped(_:_:)`` has them all).
        Dictionary(try await tasks.forRun(runId).map { ($0.taskId, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// A mapped task's instances, by map index.
    func mapped(_ runId: Int64, _ taskId: String) async throws -> [TaskInstanceRecord] {
        try await tasks.forRun(runId).filter { $0.taskId == taskId }
    }

    /// Every process's output, for failure messages.
    @Sendable func logs() async -> String {
        processes.map { "--- \($0.name) (pid \($0.pid)) ---\n\($0.output.suffix(4000))" }.joined(separator: "\n")
    }

    func shutdown() async {
        for process in processes { await process.stop() }
        redis.close()
        await prefix.cleanup()
        await schema.drop()
        try? FileManager.default.removeItem(atPath: dagsFolder)
    }
}
