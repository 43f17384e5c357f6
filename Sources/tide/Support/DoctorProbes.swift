import Foundation
import TideCommandLine
import TideCore
import TideKube
import TidePostgres
import TideRedis
import TideWorker
import TideWorkerRole

/// The checks of `tide doctor` that talk to something: PostgreSQL (and the clock against it),
/// Redis, the Kubernetes API (and the rights pod tasks need), and what is stored (DAGs, import
/// errors, live workers and pools) for ``CapacityReview``.
struct DoctorProbes {
    let context: CommandContext
    var configuration: TideConfiguration { context.configuration }

    /// The rights a worker's pod tasks need in their namespace (`get secrets` only to mask values).
    static func neededRights(maskSecretValues: Bool) -> [(verb: String, resource: String)] {
        var rights = [
            ("create", "pods"), ("get", "pods"), ("list", "pods"), ("watch", "pods"), ("delete", "pods"),
            ("patch", "pods"), ("get", "pods/log"), ("list", "events"),
        ]
        if maskSecretValues { rights.append(("get", "secrets")) }
        return rights
    }

    func all() async -> [DoctorFinding] {
        var found: [DoctorFinding] = []
        let pool = context.pool(maxConnections: 2, application: "tide-doctor")
        let database = await postgres(pool)
        found += database
        // The clocks and what is stored are read only from a reachable, up-to-date schema.
        let usable = !database.contains { $0.check == "postgresql" && $0.severity == .error }
        if usable { found += await processClocks(pool) }
        found += await redis()
        found += await kubernetes()
        if usable {
            do {
                found += try await stored(pool)
            } catch {
                found.append(DoctorFinding(.error, "postgresql", "cannot read what is stored: \(error)"))
            }
        }
        await pool.close()
        return found
    }

    private func postgres(_ pool: PGPool) async -> [DoctorFinding] {
        let place = SecretRedaction.redactingPassword(in: configuration.databaseURL)
        do {
            let before = Date().timeIntervalSince1970
            let row = try await pool.query("SELECT extract(epoch FROM clock_timestamp()) AS now").rows.first
            let after = Date().timeIntervalSince1970
            var found = [DoctorFinding(.ok, "postgresql", "\(place) answers (schema \(configuration.databaseSchema))")]
            let applied = try await pool.withConnection { try await Migrator().appliedVersions($0) }
            let known = Migration.all.map(\.version)
            if let missing = Set(known).subtracting(applied).min() {
                found.append(
                    DoctorFinding(
                        .error, "postgresql", "the schema is not up to date: migration \(missing) is not applied",
                        fix: "tide db migrate"))
            }
            if let server = row?.double("now") {
                found.append(ClockReview.finding(skewSeconds: (before + after) / 2 - server, of: "this machine's"))
            }
            return found
        } catch {
            return [
                DoctorFinding(
                    .error, "postgresql", "cannot reach \(place): \(error)",
                    fix: "check database_url (TIDE_DATABASE_URL) and that PostgreSQL runs and accepts this host")
            ]
        }
    }

    /// Each live worker measured its own clock against PostgreSQL's at its last heartbeat; each
    /// scheduler says every 30 s (one silent for 2 minutes is gone).
    private func processClocks(_ pool: PGPool) async -> [DoctorFinding] {
        do {
            let workers = try await WorkerStore(pool: pool).list().filter {
                $0.isLive(timeoutSeconds: configuration.scheduler.workerTimeoutSeconds)
            }
            return ClockReview.findings(
                workers: workers.compactMap { worker in
                    worker.clockSkewSeconds.map { (name: "\(worker.id) on \(worker.hostname)", skewSeconds: $0) }
                })
                + ClockReview.findings(schedulers: try await SchedulerClockStore(pool: pool).recent(withinSeconds: 120))
        } catch {
            return [DoctorFinding(.error, "clock", "cannot read the processes' clocks: \(error)")]
        }
    }

    private func redis() async -> [DoctorFinding] {
        let place = SecretRedaction.redactingPassword(in: configuration.redisURL)
        do {
            let connection = try await RedisConnection.connect(context.redis, name: "doctor", socketTimeoutSeconds: 5)
            defer { connection.close() }
            let info = try await connection.command(["INFO", "server"]).string ?? ""
            let version =
                info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("redis_version:") }
                .map { String($0.dropFirst("redis_version:".count)) } ?? "unknown"
            return [DoctorFinding(.ok, "redis", "\(place) answers (Redis \(version))")]
        } catch {
            return [
                DoctorFinding(
                    .error, "redis", "cannot reach \(place): \(error)",
                    fix: "check redis_url (TIDE_REDIS_URL), its password, and that Redis runs")
            ]
        }
    }

    private func kubernetes() async -> [DoctorFinding] {
        let access: KubernetesAccess?
        do {
            access = try KubernetesSetup.access(configuration, environment: ProcessInfo.processInfo.environment)
        } catch {
            return [
                DoctorFinding(
                    .error, "kubernetes", "cannot set up the Kubernetes connection: \(error)",
                    fix: "check kubernetes.kubeconfig / kubernetes.context / kubernetes.in_cluster")
            ]
        }
        guard let access else {
            return [DoctorFinding(.ok, "kubernetes", "no Kubernetes connection configured: pod tasks cannot run here")]
        }
        var found = await cluster(access.client, namespace: access.namespace, name: "the worker's connection")
        access.client.close()
        for name in configuration.kubernetes.connections.keys.sorted() {
            var asking = KubernetesPodTask(image: "")
            asking.kubernetesConnId = name
            do {
                guard let opened = try access.clusters?.cluster(for: asking) else { continue }
                found += await cluster(opened.client, namespace: opened.namespace, name: "connection '\(name)'")
            } catch {
                found.append(
                    DoctorFinding(
                        .error, "kubernetes", "\(error)", fix: "check kubernetes.connections.\(name)"))
            }
        }
        access.clusters?.close()
        return found
    }

    /// Whether one cluster answers, and whether this identity has the rights pod tasks need there.
    private func cluster(_ client: KubeClient, namespace: String, name: String) async -> [DoctorFinding] {
        do {
            let version = try await client.serverVersion()
            var found = [
                DoctorFinding(.ok, "kubernetes", "\(name): the API server answers (\(version)), namespace \(namespace)")
            ]
            var denied: [String] = []
            for (verb, resource) in Self.neededRights(maskSecretValues: configuration.kubernetes.maskSecretValues) {
                if try await !client.canI(verb, resource, namespace: namespace) {
                    denied.append("\(verb) \(resource)")
                }
            }
            if denied.isEmpty {
                found.append(
                    DoctorFinding(
                        .ok, "rbac", "\(name): may create, watch, read the logs of and delete pods in \(namespace)"))
            } else {
                found.append(
                    DoctorFinding(
                        .error, "rbac", "\(name): may not \(denied.joined(separator: ", ")) in namespace \(namespace)",
                        fix:
                            "grant them with a Role and RoleBinding for the worker's service account (as the Helm chart's pod-tasks Role does)"
                    ))
            }
            return found
        } catch {
            return [
                DoctorFinding(
                    .error, "kubernetes", "\(name): cannot reach the API server: \(error)",
                    fix: "check the kubeconfig's server and credentials, or the pod's service account")
            ]
        }
    }

    /// Import errors, and the capacity settings against the live workers, the pools and the DAGs.
    private func stored(_ pool: PGPool) async throws -> [DoctorFinding] {
        let dags = DagStore(pool: pool)
        var found: [DoctorFinding] = []
        let errors = try await dags.importErrors()
        if errors.isEmpty {
            found.append(DoctorFinding(.ok, "dags", "no DAG import errors"))
        } else {
            for error in errors.prefix(5) {
                let firstLine = error.message.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
                found.append(
                    DoctorFinding(
                        .error, "dags", "\(error.fileloc) does not load: \(firstLine)",
                        fix: "tide dags validate \(error.fileloc)"))
            }
            if errors.count > 5 {
                found.append(
                    DoctorFinding(.error, "dags", "\(errors.count - 5) more files do not load", fix: "tide dags errors")
                )
            }
        }
        let timeout = configuration.scheduler.workerTimeoutSeconds
        let workers = try await WorkerStore(pool: pool).list().filter { $0.isLive(timeoutSeconds: timeout) }.map {
            CapacityReview.Worker(queues: $0.queues, slots: $0.slots)
        }
        let pools = Dictionary(
            try await PoolStore(pool: pool).list().map { ($0.name, $0.slots) }, uniquingKeysWith: { first, _ in first })
        var tasks: [CapacityReview.TaskUse] = []
        for record in try await dags.list() where !record.isPaused {
            let dag = try await dags.definition(dagId: record.dagId, hash: record.contentHash)
            tasks += dag.tasks.map { CapacityReview.TaskUse(dagId: dag.dagId, task: $0) }
        }
        found += CapacityReview.findings(configuration: configuration, workers: workers, pools: pools, tasks: tasks)
        return found
    }
}
