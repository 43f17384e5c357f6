import Foundation
import Logging
import ServiceLifecycle
import TideCore
import TideMetrics
import TidePostgres
import TideRedis

/// The scheduler: syncs DAG files, starts triggered runs, resolves dependencies and queues tries.
///
/// It wakes on events (a finished try, a new run) and evaluates only the tasks downstream of what
/// changed, so a chain advances in milliseconds. A full pass every `poll_interval` is the safety
/// net: it starts runs whose event was lost, re-queues due retries, re-pushes tries whose Redis
/// message vanished, and fails or retries the tries of workers that stopped heartbeating.
public final class SchedulerService: Service, Sendable {
    public struct Dependencies: Sendable {
        public var pool: PGPool
        public var redis: RedisEndpoint
        public var keys: RedisKeys
        public var dagsFolder: String
        /// IANA zone for DAGs that name none.
        public var defaultTimeZone: String
        /// Configured node pool names (DAG files naming another fail to load).
        public var nodePools: [String]
        /// Configured Kubernetes connection names (DAG files naming another fail to load); nil when
        /// none are configured here (the workers may have their own).
        public var kubernetesConnections: [String]?
        /// Node pool → `max_pods`: pod tasks queued or running on it at once.
        public var nodePoolMaxPods: [String: Int]
        /// Where pass durations are recorded, if anywhere.
        public var metrics: TideMetrics?
        /// Jobs run beside the built-in maintenance jobs (an embedding process's own, or a test's).
        public var additionalMaintenance: [MaintenanceJob] = []
        /// `worker.max_map_length`: most instances a mapped task expands to.
        public var maxMapLength = TaskExpansion.defaultMaxLength

        public init(
            pool: PGPool, redis: RedisEndpoint, keys: RedisKeys, dagsFolder: String, defaultTimeZone: String = "UTC",
            nodePools: [NodePool] = [], kubernetesConnections: [String]? = nil, metrics: TideMetrics? = nil
        ) {
            self.kubernetesConnections = kubernetesConnections
            self.metrics = metrics
            self.nodePools = nodePools.map(\.name)
            self.nodePoolMaxPods = Dictionary(
                nodePools.compactMap { pool in pool.maxPods.map { (pool.name, $0) } },
                uniquingKeysWith: { first, _ in first })
            self.pool = pool
            self.redis = redis
            self.keys = keys
            self.dagsFolder = dagsFolder
            self.defaultTimeZone = defaultTimeZone
        }
    }

    let settings: SchedulerSettings
    let dependencies: Dependencies
    let logger: Logger
    let runs: RunStore
    let tasks: TaskInstanceStore
    let dags: DagStore
    let synchronizer: DagSynchronizer
    let runCreator: ScheduledRunCreator
    let definitions: DagVersionCache
    let runVersions = RunVersionMap()
    let joinWatch = JoinWatch()
    private let waiting = LockedBox<[String: [String: Int]]>([:])
    /// Outages of PostgreSQL or Redis as the loop sees them; its start counts as a recovery.
    private let outage = LockedBox(OutageTracker(startingAfterOutage: true))

    /// Whether workers' heartbeats can be judged: only after `worker_timeout` of uninterrupted
    /// contact. Right after an outage (or this scheduler's start) every heartbeat may be old
    /// because the database was away, not the workers; failing their tries then would re-run
    /// work that is about to be reported.
    var mayJudgeHeartbeats: Bool {
        Self.inContact(outage.value, for: settings.workerTimeoutSeconds)
    }

    /// Whether calls have succeeded without interruption for `seconds` (not in an outage, and
    /// the last one ended long enough ago).
    static func inContact(_ tracker: OutageTracker, for seconds: Double) -> Bool {
        guard tracker.since == nil else { return false }
        return ContinuousClock.now - (tracker.lastRecovery ?? .now) >= .seconds(seconds)
    }

    /// The rescuer's own calls to PostgreSQL: it judges heartbeats only after `worker_timeout` of
    /// uninterrupted contact, whatever the core saw (the two run apart).
    let rescuerContact = LockedBox(OutageTracker(startingAfterOutage: true))

    /// Ready task instances the last dispatch left waiting, per queue and limit (`pool_full`, …).
    public var heldBack: [String: [String: Int]] { waiting.value }

    public init(settings: SchedulerSettings, dependencies: Dependencies, logger: Logger) {
        self.settings = settings
        self.dependencies = dependencies
        self.logger = logger
        runs = RunStore(pool: dependencies.pool, defaultWeightRule: settings.defaultWeightRule)
        tasks = TaskInstanceStore(pool: dependencies.pool)
        dags = DagStore(pool: dependencies.pool)
        definitions = DagVersionCache(store: dags)
        runCreator = ScheduledRunCreator(
            dags: dags, runs: runs, definitions: definitions, settings: settings,
            defaultTimeZone: dependencies.defaultTimeZone, logger: logger)
        synchronizer = DagSynchronizer(
            folder: DagFolder(
                path: dependencies.dagsFolder, nodePools: dependencies.nodePools,
                kubernetesConnections: dependencies.kubernetesConnections), store: dags,
            logger: logger)
    }

    public func run() async throws {
        let stopping = LockedBox(false)
        let eventConnection = try await RedisConnection.connect(dependencies.redis, name: "sched-events")
        let pushConnection = try await RedisConnection.connect(dependencies.redis, name: "sched-push")
        let maintenanceConnection = try await RedisConnection.connect(dependencies.redis, name: "sched-maintenance")
        defer {
            eventConnection.close()
            pushConnection.close()
            maintenanceConnection.close()
        }
        logger.info("scheduler started", metadata: ["dags.folder": "\(dependencies.dagsFolder)"])
        let maintenance = MaintenanceLoop(
            jobs: maintenanceJobs(redis: maintenanceConnection) + dependencies.additionalMaintenance,
            clock: ContinuousClock(), logger: logger)
        let looping = LockedBox(true)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await maintenance.run() }
                await withTaskCancellationHandler {
                    await loop(stopping: stopping, eventConnection: eventConnection, pushConnection: pushConnection)
                } onCancel: {
                    Task { await maintenanceConnection.unblock(eventConnection) }
                }
                looping.mutate { $0 = false }
                // The maintenance jobs stop by cancellation, wherever they wait.
                group.cancelAll()
            }
        } onGracefulShutdown: {
            stopping.mutate { $0 = true }
            // The core's wait for events is woken at once.
            Task { await maintenanceConnection.unblock(eventConnection, while: { looping.value }) }
        }
        logger.info("scheduler stopped")
    }

    private func loop(stopping: LockedBox<Bool>, eventConnection: RedisConnection, pushConnection: RedisConnection)
        async
    {
        let clock = ContinuousClock()
        let channel = EventChannel(keys: dependencies.keys)
        let poll = Duration.seconds(settings.pollIntervalSeconds)
        var lastFull: ContinuousClock.Instant?
        // When a retry falls due: the loop wakes for it.
        var nextRetryAt: ContinuousClock.Instant?
        while !stopping.value && !Task.isCancelled {
            do {
                let now = clock.now
                let retryDue = nextRetryAt.map { now >= $0 } ?? false
                let fullDue = retryDue || (lastFull.map { now - $0 >= poll } ?? true)
                var wait = poll - (lastFull.map { now - $0 } ?? poll)
                if let nextRetryAt { wait = min(wait, nextRetryAt - now) }
                let events = try await channel.next(
                    timeoutSeconds: fullDue ? 0.01 : max(0.01, wait.seconds), on: eventConnection)
                let passStart = clock.now
                let outcome = try await pass(events: events, full: fullDue, push: pushConnection)
                dependencies.metrics?.observeSchedulerPass(clock.now - passStart)
                if fullDue {
                    lastFull = passStart
                    nextRetryAt = nil
                }
                if let untilRetry = outcome {
                    let due = passStart + untilRetry
                    nextRetryAt = min(nextRetryAt ?? due, due)
                }
                if let ended = outage.mutate({ $0.succeeded() }) {
                    if ended.announced {
                        logger.notice(
                            "scheduling recovered",
                            metadata: [
                                "outage.seconds": "\(Int(ended.duration.seconds))", "attempts": "\(ended.attempts)",
                            ])
                    }
                }
            } catch {
                if outage.mutate({ $0.failed() }) {
                    logger.error(
                        "scheduling passes fail; retrying with back-off until they succeed",
                        metadata: ["error": "\(error)"])
                } else {
                    logger.debug("scheduling pass failed again", metadata: ["error": "\(error)"])
                }
                // Back off while PostgreSQL or Redis is unreachable (bounded at 5 s).
                try? await Task.sleep(for: outage.value.backoff())
            }
        }
    }

    /// One scheduling pass. Returns how long until the next retry is due, when it looked (on full
    /// passes, and whenever a try just went up_for_retry).
    func pass(events: [TaskEvent], full: Bool, push: RedisConnection) async throws -> Duration? {
        var frontiers: [Int64: Set<String>?] = [:]
        var touchedRuns: Set<Int64> = []
        var toQueue: [Int64] = []
        // Sensors the scheduler checks itself, instead of queueing them.
        var toSense: [Int64] = []

        if full || events.contains(where: { $0.kind == .runCreated }) {
            var running = try await runs.activeCounts().mapValues(\.running)
            var toStart: [(run: RunRecord, dag: CompiledDAG)] = []
            for run in try await runs.queued() {
                guard let dag = try await dag(of: run.id, dagId: run.dagId, hash: run.dagHash) else { continue }
                // max_active_runs: later runs wait in `queued`, oldest logical date first.
                guard running[run.dagId, default: 0] < dag.dag.maxActiveRuns else { continue }
                running[run.dagId, default: 0] += 1
                toStart.append((run, dag))
            }
            let started = try await runs.start(toStart)
            for (run, _) in toStart where started.contains(run.id) {
                runVersions.remember(run: run.id, dagId: run.dagId, hash: run.dagHash)
                frontiers[run.id] = .some(nil)
                touchedRuns.insert(run.id)
                logger.info("run started", metadata: ["dag.id": "\(run.dagId)", "run.id": "\(run.id)"])
            }
        }
        try await addFrontiers(of: events, to: &frontiers, touching: &touchedRuns)
        var untilRetry: Duration?
        if full {
            let running = try await runs.runningIds()
            touchedRuns.formUnion(running)
            for runId in try await tasks.runsWithUndecidedTasks(running) { frontiers[runId] = .some(nil) }
            for due in try await tasks.dueRetries() {
                let dag = due.state == .upForReschedule ? try await dagOfRun(due.runId) : nil
                let checkedHere = dag?.checkedByScheduler.contains(due.taskId) ?? false
                if checkedHere { toSense.append(due.id) } else { toQueue.append(due.id) }
            }
        }
        // A rescue (a run_changed event) may have left tries waiting for their retry delay.
        if full
            || events.contains(where: {
                $0.state == .upForRetry || $0.state == .upForReschedule || $0.kind == .runChanged
            })
        {
            untilRetry = try await tasks.secondsUntilNextRetry().map { .seconds(max(0, $0)) }
        }

        // One query for the states of every run this pass looks at, then one batched write per outcome.
        var wanted: [Int64: [String]] = [:]
        var runDags: [Int64: CompiledDAG] = [:]
        for (runId, frontier) in frontiers {
            guard let dag = try await dagOfRun(runId) else { continue }
            runDags[runId] = dag
            wanted[runId] = Array(
                frontier.map { DependencyResolver.relevantTasks(dag: dag, frontier: $0) }
                    ?? Set(dag.dag.tasks.map(\.taskId)))
        }
        let states = try await tasks.states(of: wanted)
        var emptySucceeded: [Int64] = [], skipped: [Int64] = [], upstreamFailed: [Int64] = []
        var toExpand: [ReadyMappedTask] = []
        var outlets: [Int64: [String]] = [:]
        for (runId, frontier) in frontiers {
            guard let dag = runDags[runId] else { continue }
            let current = states[runId] ?? [:]
            let currentStates = current.mapValues(\.state)
            let resolution = DependencyResolver.resolve(
                dag: dag, states: currentStates, frontier: frontier.map { Array($0) },
                pastNotMet: try await pastNotMet(runId: runId, dag: dag, among: wanted[runId] ?? []),
                branches: try await branchChoices(runId: runId, dag: dag, states: currentStates),
                mappedInstances: Self.mappedInstances(current, dag: dag))
            let decided = Set(
                resolution.toQueue + resolution.emptySucceeded + resolution.skipped + resolution.upstreamFailed)
            joinWatch.record(
                run: runId, dag: dag,
                evaluated: frontier.map { $0.compactMap { dag.index[$0] } } ?? Array(0..<dag.taskCount),
                states: currentStates, decided: decided)
            guard !resolution.isEmpty else { continue }
            let ids = { (names: [String]) in names.flatMap { current[$0]?.ids ?? [] } }
            emptySucceeded += ids(resolution.emptySucceeded)
            for name in resolution.emptySucceeded {
                if let id = current[name]?.id, let task = dag.task(name), !task.outlets.isEmpty {
                    outlets[id] = task.outlets
                }
            }
            skipped += ids(resolution.skipped)
            upstreamFailed += ids(resolution.upstreamFailed)
            for name in resolution.toQueue {
                guard let instances = current[name] else { continue }
                if dag.mapped.contains(name) {
                    let undecided = instances.instances.filter { $0.state == .none }.map(\.id)
                    // Undecided as a whole: expanded (again, after a clear) from what it maps over now.
                    if undecided.count == instances.instances.count {
                        toExpand.append(
                            ReadyMappedTask(runId: runId, taskId: name, dag: dag, instanceIds: instances.ids))
                    } else {
                        toQueue += undecided
                    }
                } else if dag.checkedByScheduler.contains(name) {
                    toSense.append(instances.id)
                } else {
                    toQueue.append(instances.id)
                }
            }
            touchedRuns.insert(runId)
        }
        toQueue += try await expand(toExpand, push: push)
        try await tasks.markEmptySucceeded(emptySucceeded, outlets: outlets)
        try await tasks.markUnrunnable(skipped, as: .skipped)
        try await tasks.markUnrunnable(upstreamFailed, as: .upstreamFailed)
        if let nextCheck = try await checkSensors(toSense, push: push) {
            untilRetry = min(untilRetry ?? .seconds(nextCheck), .seconds(nextCheck))
        }

        // Dispatch only when a slot may have freed (a try finished, a run changed, a full pass) or
        // tasks became ready; otherwise nothing it reads has changed.
        let slotsMayHaveFreed = full || events.contains { $0.kind != .runCreated }
        var queued: [TaskInstanceStore.QueuedTry] = []
        var held = TaskInstanceStore.HeldTries()
        if slotsMayHaveFreed || !toQueue.isEmpty {
            let dispatched = try await tasks.dispatch(
                ready: toQueue,
                limits: .init(parallelism: settings.parallelism, nodePoolMaxPods: dependencies.nodePoolMaxPods))
            queued = dispatched.queued
            held = dispatched.held
            var byQueue: [String: [String: Int]] = [:]
            for (key, count) in dispatched.waiting { byQueue[key.queue, default: [:]][key.reason.rawValue] = count }
            waiting.mutate { $0 = byQueue }
            if !dispatched.waiting.isEmpty {
                logger.debug("ready tasks waiting for a slot", metadata: ["waiting": "\(dispatched.waiting)"])
            }
        }
        do {
            try await TaskQueue(keys: dependencies.keys).enqueue(
                queued.map { TaskQueue.Entry(message: $0.message, priority: $0.priority) }, on: push)
        } catch {
            // The tries are committed as queued; the lost-message check re-pushes them.
            logger.error(
                "could not push queued tries to Redis", metadata: ["error": "\(error)", "count": "\(queued.count)"])
        }
        // After the push, so that the queued tries start while the rest are marked.
        try await tasks.schedule(held)
        var mayHaveCallbacks = false
        for runId in touchedRuns where !mayHaveCallbacks {
            // A run whose version cannot be read is checked with the transaction, to be safe.
            let callbacks = try await dagOfRun(runId)?.dag.callbacks
            mayHaveCallbacks = callbacks.map { !$0.onSuccess.isEmpty || !$0.onFailure.isEmpty } ?? true
        }
        let (finishedRuns, callbacksWritten) = try await runs.finishCompleted(
            Array(touchedRuns), mayHaveCallbacks: mayHaveCallbacks
        ) { [self] run in
            try await runCallbacks(run)
        }
        if callbacksWritten > 0 {
            // Wake the callback sender; without it the sender finds them within a second.
            _ = try? await push.command(["LPUSH", dependencies.keys.callbacks, "1"])
        }
        for run in finishedRuns {
            runVersions.forget(run: run.id)
            joinWatch.forget(run: run.id)
            let seconds = (run.endedAt ?? 0) - (run.startedAt ?? run.queuedAt)
            logger.info(
                "run finished",
                metadata: [
                    "dag.id": "\(run.dagId)", "run.id": "\(run.id)", "run.state": "\(run.state.rawValue)",
                    "run.seconds": "\((seconds * 1000).rounded() / 1000)",
                ])
        }
        return untilRetry
    }

    /// The DAG-level callbacks a finished run triggers.
    private func runCallbacks(_ run: RunRecord) async throws -> [CallbackStore.Item] {
        guard let dag = try await dagOfRun(run.id)?.dag else { return [] }
        let (event, specs) =
            run.state == .success
            ? (CallbackEvent.dagSuccess, dag.callbacks.onSuccess) : (.dagFailure, dag.callbacks.onFailure)
        let payload = CallbackPayload(
            event: event, dagId: run.dagId, runName: run.runId, runNumber: run.id,
            logicalDate: Date(timeIntervalSince1970: run.logicalDate), state: run.state.rawValue)
        return specs.map { CallbackStore.Item(spec: $0, payload: payload) }
    }

    /// Fails running runs that outlived their DAG's `dagrun_timeout` (their unfinished tasks are
    /// skipped; workers stop the ones still running).
    func timeOutRuns() async throws {
        let now = Date().timeIntervalSince1970
        for run in try await runs.running() {
            guard let started = run.startedAt, let dag = try await dagOfRun(run.id)?.dag,
                let timeout = dag.dagrunTimeoutSeconds, now - started > timeout
            else { continue }
            if try await runs.timeOut(run.id) {
                runVersions.forget(run: run.id)
                joinWatch.forget(run: run.id)
                logger.warning(
                    "run failed: dagrun_timeout exceeded",
                    metadata: ["dag.id": "\(run.dagId)", "run.id": "\(run.id)", "timeout.seconds": "\(timeout)"])
            }
        }
    }

    /// `depends_on_past` tasks (among `taskIds`) whose instance in the previous run neither
    /// succeeded nor was skipped. A blocked task is looked at again on each full pass.
    private func pastNotMet(runId: Int64, dag: CompiledDAG, among taskIds: [String]) async throws -> Set<String> {
        guard dag.anyDependsOnPast else { return [] }
        let candidates = taskIds.filter { dag.task($0)?.dependsOnPast == true }
        guard !candidates.isEmpty else { return [] }
        let previous = try await tasks.statesInPreviousRun(of: runId, taskIds: candidates)
        return Set(candidates.filter { task in previous[task].map { $0 != .success && $0 != .skipped } ?? false })
    }

    /// Re-pushes tries left `queued` past the timeout whose message is in no Redis queue.
    func repushLostMessages(_ connection: RedisConnection) async throws {
        let queue = TaskQueue(keys: dependencies.keys)
        let stale = try await tasks.staleQueued(olderThan: settings.queuedTimeoutSeconds)
        var lost: [TaskQueue.Entry] = []
        for item in stale where try await !queue.contains(item.message, on: connection) {
            lost.append(TaskQueue.Entry(message: item.message, priority: item.priority))
        }
        guard !lost.isEmpty else { return }
        try await queue.enqueue(lost, on: connection)
        logger.warning("re-pushed queued tries missing from Redis", metadata: ["count": "\(lost.count)"])
    }

    /// The DAG version a run runs, or nil when the run was abandoned because that version is
    /// missing or unreadable (one broken run must not stall every other).
    func dagOfRun(_ runId: Int64) async throws -> CompiledDAG? {
        if let (dagId, hash) = runVersions.version(of: runId) {
            return try await dag(of: runId, dagId: dagId, hash: hash)
        }
        let run = try await runs.get(runId)
        runVersions.remember(run: runId, dagId: run.dagId, hash: run.dagHash)
        return try await dag(of: runId, dagId: run.dagId, hash: run.dagHash)
    }

    private func dag(of runId: Int64, dagId: String, hash: String) async throws -> CompiledDAG? {
        do {
            return try await definitions.compiled(dagId: dagId, hash: hash)
        } catch let error as PGError where error.code == .notFound || error.code == .corruptRow {
            try await runs.abandon(runId)
            runVersions.forget(run: runId)
            logger.error(
                "run failed: its DAG version cannot be loaded",
                metadata: ["dag.id": "\(dagId)", "run.id": "\(runId)", "error": "\(error)"])
            return nil
        }
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
