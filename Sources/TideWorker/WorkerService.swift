import Foundation
import Logging
import ServiceLifecycle
import TideCore
import TidePostgres
import TideRedis

/// A worker: pops task messages, claims the try in PostgreSQL (fenced), runs it, reports back.
///
/// Up to `concurrency` tries run at once. On graceful shutdown (SIGTERM) it stops popping, gives
/// pod tries back at once (same try number; another worker reattaches to the pod), gives local
/// tries `shutdown_grace` to finish, then kills what is left and hands those tries back for an
/// immediate retry that does not use up one of the task's retries.
public final class WorkerService: Service, Sendable {
    public struct Dependencies: Sendable {
        public var pool: PGPool
        public var redis: RedisEndpoint
        public var keys: RedisKeys
        /// IANA zone for DAGs that name none (for `prev_ds` / `next_ds`).
        public var defaultTimeZone: String
        /// Where `kubernetes_pod` tasks run; nil fails them with a message saying so.
        public var kubernetes: KubernetesAccess?
        /// Why there is no Kubernetes connection (a kubeconfig that cannot be read, …), for that message.
        public var kubernetesUnavailable: String?

        public init(
            pool: PGPool, redis: RedisEndpoint, keys: RedisKeys, defaultTimeZone: String = "UTC",
            kubernetes: KubernetesAccess? = nil, kubernetesUnavailable: String? = nil
        ) {
            self.pool = pool
            self.redis = redis
            self.keys = keys
            self.defaultTimeZone = defaultTimeZone
            self.kubernetes = kubernetes
            self.kubernetesUnavailable = kubernetesUnavailable
        }
    }

    let settings: WorkerSettings
    let dependencies: Dependencies
    let identity: WorkerIdentity
    let logger: Logger
    let tasks: TaskInstanceStore
    /// Folders local tries publish results in (XCom), reused from try to try.
    let xcomFolders = XComFolders()
    let workers: WorkerStore
    let definitions: DagVersionCache
    let queue: TaskQueue
    let running = RunningTries()
    let slots: SlotGate
    let executables = ExecutableLookup()
    /// Pod clean-ups (delete, or mark finished) that wait until the try's result is recorded.
    let pendingCleanUps = LockedBox<[RunningTries.Token: @Sendable () async -> Void]>([:])
    let draining = LockedBox(false)
    /// Whether the fetch loop may still pop (until a drain or cancellation ends it).
    let popping = LockedBox(true)
    /// When the latest heartbeat was stored; a claim waits for a fresh one after an outage.
    let latestHeartbeat = LockedBox<ContinuousClock.Instant?>(nil)
    /// Calls to PostgreSQL from every loop of this worker, for one log line per outage.
    let databaseOutage = LockedBox(OutageTracker())
    let inheritedEnvironment: [String: String]
    /// What of ``inheritedEnvironment`` a task gets (``TaskEnvironment/inheritable(_:)``).
    let taskInheritedEnvironment: [String: String]
    let runEnvironments = RunEnvironments()

    public init(
        settings: WorkerSettings, dependencies: Dependencies, identity: WorkerIdentity = .current(), logger: Logger
    ) {
        self.settings = settings
        self.dependencies = dependencies
        self.identity = identity
        var logger = logger
        logger[metadataKey: "worker.id"] = "\(identity.id)"
        self.logger = logger
        tasks = TaskInstanceStore(pool: dependencies.pool)
        workers = WorkerStore(pool: dependencies.pool)
        definitions = DagVersionCache(store: DagStore(pool: dependencies.pool))
        queue = TaskQueue(keys: dependencies.keys)
        slots = SlotGate(capacity: settings.concurrency)
        inheritedEnvironment = ProcessInfo.processInfo.environment
        taskInheritedEnvironment = TaskEnvironment.inheritable(inheritedEnvironment)
    }

    /// Seconds between stores of a running local try's output.
    static let runningLogInterval = 2.0

    public func run() async throws {
        let popConnection = try await RedisConnection.connect(dependencies.redis, name: "worker-pop")
        let commandConnection = try await RedisConnection.connect(dependencies.redis, name: "worker-cmd")
        defer {
            popConnection.close()
            commandConnection.close()
        }
        do {
            // Made now, not while the first tries wait for them: the connections of the two loops
            // that hold one at once under load (claims, and the writer's finishes), and their plans.
            try await dependencies.pool.warm(connections: 2, preparing: TaskInstanceStore.prepareWorkerStatements)
        } catch {
            // Debug only: a PostgreSQL that is away fails the registration next, with its own error.
            logger.debug(
                "could not open PostgreSQL connections ahead of the first tries", metadata: ["error": "\(error)"])
        }
        try await workers.register(
            id: identity.id, hostname: identity.hostname, pid: identity.pid, queues: settings.queues,
            slots: settings.concurrency)
        latestHeartbeat.mutate { $0 = .now }
        let abandoned = XComFolders.removeAbandoned()
        if !abandoned.isEmpty {
            logger.notice(
                "removed the result folders of workers that are gone", metadata: ["folders": "\(abandoned)"])
        }
        logger.info(
            "worker started",
            metadata: ["worker.queues": "\(settings.queues)", "worker.concurrency": "\(settings.concurrency)"])
        let writer = FinishedTryWriter(
            tasks: tasks, keys: dependencies.keys, logger: logger,
            databaseFailed: { [self] error in databaseFailed(error, doing: "record tries' results") },
            databaseRecovered: { [self] in databaseRecovered() })
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { background in
                background.addTask { await self.heartbeatLoop() }
                background.addTask { await writer.run(command: commandConnection) }
                if let kubernetes = self.dependencies.kubernetes {
                    background.addTask { await self.orphanPodLoop(kubernetes) }
                }
                await self.fetchLoop(pop: popConnection, command: commandConnection, writer: writer)
                background.cancelAll()
            }
        } onGracefulShutdown: {
            self.draining.mutate { $0 = true }
            self.slots.wakeWaiters()
            // A pop blocked in Redis is woken at once.
            Task { await commandConnection.unblock(popConnection, while: { self.popping.value }) }
        }
        try? await workers.markStopped(id: identity.id)
        xcomFolders.removeAll()
        logger.info("worker stopped")
    }

    /// Sweeps the worker's namespace, and that of every named connection and other cluster its
    /// tasks used, for pods whose try is over, every `orphan_sweep_interval`.
    private func orphanPodLoop(_ kubernetes: KubernetesAccess) async {
        while !Task.isCancelled && !draining.value {
            try? await Task.sleep(for: .seconds(kubernetes.orphanSweepIntervalSeconds))
            let others = kubernetes.clusters?.sweepable() ?? []
            let places = [(kubernetes.client, kubernetes.namespace)] + others.map { ($0.client, $0.namespace) }
            for (client, namespace) in places {
                let sweeper = OrphanPodSweeper(
                    client: client, namespace: namespace, tasks: tasks, definitions: definitions, logger: logger)
                do {
                    _ = try await sweeper.sweep()
                } catch {
                    logger.debug(
                        "orphan pod sweep failed; next time",
                        metadata: ["error": "\(error)", "namespace": "\(namespace)"])
                }
            }
        }
    }

    /// Records a failed PostgreSQL call; logs only the first of an outage.
    func databaseFailed(_ error: any Error, doing what: String) {
        if databaseOutage.mutate({ $0.failed() }) {
            logger.error(
                "PostgreSQL calls fail; retrying with back-off until it answers",
                metadata: ["error": "\(error)", "while": "\(what)"])
        }
    }

    /// Records a successful PostgreSQL call; logs the end of an outage.
    func databaseRecovered() {
        if let ended = databaseOutage.mutate({ $0.succeeded() }), ended.announced {
            logger.notice(
                "PostgreSQL is back",
                metadata: ["outage.seconds": "\(Int(ended.duration / .seconds(1)))", "attempts": "\(ended.attempts)"])
        }
    }

    /// Heartbeats, and stops tries whose task instance is no longer running here (a timed-out run,
    /// a task cleared or marked by an operator, a try rescued after a lost heartbeat).
    private func heartbeatLoop() async {
        while !Task.isCancelled {
            do {
                try await heartbeat()
                let mine = running.claimedTaskInstances
                let alive = try await tasks.stillRunning(mine, on: identity.id)
                var gone = Set(mine).subtracting(alive)
                // A pod try taken over by another worker keeps its pod; only this worker lets go.
                let podTries = running.podTries.filter { gone.contains($0.key) }
                let adopted = try await tasks.adoptedElsewhere(podTries, from: identity.id)
                if !adopted.isEmpty {
                    logger.warning(
                        "pod tries adopted by another worker: letting go",
                        metadata: ["task.instances": "\(adopted.sorted())"])
                    running.detach(taskInstances: adopted)
                    gone.subtract(adopted)
                }
                if !gone.isEmpty {
                    logger.warning(
                        "stopping tries whose task instance moved on", metadata: ["task.instances": "\(gone.sorted())"])
                    running.stop(taskInstances: gone)
                }
                databaseRecovered()
            } catch {
                databaseFailed(error, doing: "heartbeat")
            }
            try? await Task.sleep(for: .seconds(settings.heartbeatIntervalSeconds))
        }
    }

    /// Pops as many messages as there are free slots, claims them together, runs each claimed try
    /// in a slot; after a drain starts, waits out the grace period.
    private func fetchLoop(pop: RedisConnection, command: RedisConnection, writer: FinishedTryWriter) async {
        await withDiscardingTaskGroup { group in
            var redisOutage = OutageTracker()
            let capacity = slots.capacity
            while !draining.value && !Task.isCancelled {
                if slots.free <= 0 {
                    await slots.wait { [draining] inUse in inUse < capacity || draining.value }
                    continue
                }
                let popped: [TaskQueue.Popped]
                do {
                    // A drain or a cancellation wakes the pop with CLIENT UNBLOCK (the timeout is a
                    // safety net, below the connection's 30 s read timeout).
                    let free = slots.free
                    popped = try await withTaskCancellationHandler {
                        try await queue.pop(from: settings.queues, count: free, timeoutSeconds: 10, on: pop)
                    } onCancel: {
                        Task { await command.unblock(pop) }
                    }
                    if let ended = redisOutage.succeeded(), ended.announced {
                        logger.notice(
                            "Redis is back: popping again",
                            metadata: ["outage.seconds": "\(Int(ended.duration / .seconds(1)))"])
                    }
                } catch {
                    if redisOutage.failed() {
                        logger.error(
                            "cannot pop from Redis; retrying with back-off until it answers",
                            metadata: ["error": "\(error)"])
                    }
                    try? await Task.sleep(for: redisOutage.backoff())
                    continue
                }
                guard !popped.isEmpty else { continue }
                if draining.value {
                    for message in popped { await putBack(message, on: command) }
                    break
                }
                for start in await claimPopped(popped, command: command) {
                    slots.take(1)
                    group.addTask {
                        await self.run(start, command: command, writer: writer)
                        self.slots.release()
                    }
                }
            }
            popping.mutate { $0 = false }
            guard slots.inUse > 0 else { return }
            logger.info(
                "draining",
                metadata: ["running": "\(running.count)", "grace.seconds": "\(settings.shutdownGraceSeconds)"])
            // A pod does not need this worker: its try is given back at once for another worker to
            // adopt, and the pod keeps running. Local processes get the grace period.
            running.detach()
            group.addTask {
                try? await Task.sleep(for: .seconds(self.settings.shutdownGraceSeconds))
                if !Task.isCancelled {
                    let count = self.running.handBackAll()
                    self.logger.warning(
                        "grace period over: killed running tries, handing them back", metadata: ["count": "\(count)"])
                }
            }
            await slots.wait { $0 == 0 }
            group.cancelAll()
        }
    }

    /// A message popped after the drain began goes back to its queue, at its place.
    func putBack(_ popped: TaskQueue.Popped, on connection: RedisConnection) async {
        do {
            try await queue.putBack(popped, on: connection)
        } catch {
            // The try stays queued in PostgreSQL; the scheduler re-pushes it after queued_timeout.
            logger.warning("cannot put a message back; the scheduler will re-push it", metadata: ["error": "\(error)"])
        }
    }

    /// A claimed try about to run.
    struct Start: Sendable {
        var message: TaskMessage
        var claimed: TaskInstanceStore.ClaimedTry
        var token: RunningTries.Token
        var log: Logger
    }

    /// Decodes popped messages (a malformed one goes to the dead-letter list) and claims their
    /// tries in one statement. Duplicates and stale messages are dropped; if the claim cannot
    /// be made, the messages go back to their queue.
    private func claimPopped(_ popped: [TaskQueue.Popped], command: RedisConnection) async -> [Start] {
        var candidates: [(popped: TaskQueue.Popped, message: TaskMessage, token: RunningTries.Token)] = []
        for item in popped {
            let message: TaskMessage
            do {
                message = try TaskMessage.decode(item.raw)
            } catch {
                logger.warning(
                    "malformed message moved to dead-letter list",
                    metadata: ["queue.name": "\(item.queue)", "error": "\(error)"])
                do {
                    try await queue.deadLetter(
                        raw: item.raw, queue: item.queue, reason: error.description, workerId: identity.id, on: command)
                } catch {
                    logger.error("cannot write dead-letter record", metadata: ["error": "\(error)"])
                }
                continue
            }
            // Registered before the claim, so a drain that starts meanwhile still sees this try.
            candidates.append((item, message, running.register()))
        }
        guard !candidates.isEmpty else { return [] }
        let claimed: [TaskInstanceStore.TryRef: TaskInstanceStore.ClaimedTry]
        do {
            claimed = try await claim(candidates.map(\.message))
        } catch {
            logger.error(
                "claim failed; the messages go back to their queue",
                metadata: ["error": "\(error)", "count": "\(candidates.count)"])
            for candidate in candidates {
                running.finished(candidate.token)
                await putBack(candidate.popped, on: command)
            }
            return []
        }
        var taken: Set<TaskInstanceStore.TryRef> = []
        var starts: [Start] = []
        for candidate in candidates {
            let message = candidate.message
            var log = logger
            log[metadataKey: "task.id"] = "\(message.dagId).\(message.taskId)"
            log[metadataKey: "task.instance"] = "\(message.taskInstanceId)"
            log[metadataKey: "task.try"] = "\(message.tryNumber)"
            let ref = TaskInstanceStore.TryRef(taskInstanceId: message.taskInstanceId, tryNumber: message.tryNumber)
            guard let claimedTry = claimed[ref], taken.insert(ref).inserted else {
                running.finished(candidate.token)
                log.info("duplicate or stale message dropped (try already claimed or moved on)")
                continue
            }
            running.bind(candidate.token, to: message.taskInstanceId, tryNumber: message.tryNumber)
            starts.append(Start(message: message, claimed: claimedTry, token: candidate.token, log: log))
        }
        return starts
    }

    /// Runs a claimed try and records its result.
    private func run(_ start: Start, command: RedisConnection, writer: FinishedTryWriter) async {
        let (message, claimed, token, log) = (start.message, start.claimed, start.token, start.log)
        let (outcome, exitCode, tryLog, retryDelay, task) = await execute(
            message: message, claimed: claimed, token: token, log: log)
        guard let outcome else {
            running.finished(token)
            await release(message, logger: log, command: command)
            return
        }
        var finalOutcome = outcome
        switch running.finished(token) {
        case .handedBack:
            finalOutcome = .handedBack
            tryLog.notice("worker shut down before the try finished: handed back for another try")
        case .stopped:
            tryLog.notice("stopped: the task instance was no longer running (run timed out, cleared or marked)")
        case .normal:
            break
        }
        var ending = tryLog.finish()
        let last = ending.pieces.removeLast()
        if !ending.pieces.isEmpty {
            // More than one piece is left (a large last burst, or pieces the store refused earlier):
            // all but the last go first; one that fails leaves a marked gap.
            _ = try? await tasks.storeRunningLog(
                ending.pieces, taskInstanceId: message.taskInstanceId, tryNumber: message.tryNumber,
                workerId: identity.id, truncated: ending.truncated, totalBytes: ending.totalBytes)
        }
        var result = TaskInstanceStore.TryResult(
            taskInstanceId: message.taskInstanceId, tryNumber: message.tryNumber, workerId: identity.id,
            outcome: finalOutcome,
            decision: .decide(
                outcome: finalOutcome, tryNumber: message.tryNumber, maxTries: claimed.maxTries,
                delaySeconds: retryDelay ?? claimed.storedRetryDelaySeconds),
            exitCode: exitCode, logPiece: last, logTruncated: ending.truncated, logTotalBytes: ending.totalBytes,
            callbacks: task.map {
                CallbackStore.tryItems(
                    task: $0, dagId: claimed.dagId, runName: claimed.runName, runNumber: claimed.runId,
                    logicalDate: claimed.logicalDate, tryNumber: message.tryNumber, log: ending.recentText)
            } ?? [:])
        result.outlets = task?.outlets ?? []
        switch await writer.record(result, taskId: message.taskId) {
        case .finished(let finished):
            log.info(
                "try finished",
                metadata: [
                    "task.state": "\(finished.state.rawValue)", "exit.code": "\(exitCode.map(String.init) ?? "-")",
                ])
        case .stale:
            log.warning("try result not recorded: the try was no longer this worker's")
        case .notRecorded:
            log.error("worker stopped before the try's result could be recorded; the scheduler rescues the try")
        }
        if let cleanUp = pendingCleanUps.mutate({ $0.removeValue(forKey: token) }) { await cleanUp() }
    }

    /// Runs a try's `body` while its log is stored in pieces as it comes, every few seconds or as
    /// soon as enough is pending (the API's live tail, `tide tasks logs`; it outlives this worker).
    /// A try that ends sooner stores it all with its result. A store that fails is logged to `log`.
    func storingLog<Result: Sendable>(
        _ tryLog: TryLogWriter, of message: TaskMessage, log: Logger, run body: @Sendable () async -> Result
    ) async -> Result {
        let store = tasks
        let workerId = identity.id
        return await tryLog.whileRunning(everySeconds: Self.runningLogInterval) { pieces, truncated, total in
            do {
                _ = try await store.storeRunningLog(
                    pieces, taskInstanceId: message.taskInstanceId, tryNumber: message.tryNumber, workerId: workerId,
                    truncated: truncated, totalBytes: total)
            } catch {
                log.warning("cannot store the running try's log (kept to try again)", metadata: ["error": "\(error)"])
                throw error
            }
        } run: {
            await body()
        }
    }

    /// Stores what a succeeded try published, as `collect` gathers it (``XComResults``): a result
    /// that is not JSON, too large, or cannot be stored fails the try, with the reason in its log.
    /// - Parameter stored: a line for the log once something was stored.
    func publish(
        _ message: TaskMessage, log: TryLogWriter, stored: String? = nil,
        collect: () async throws -> [String: String]
    ) async -> TryOutcome {
        do {
            let values = try await collect()
            guard !values.isEmpty else { return .success }
            _ = try await XComStore(pool: dependencies.pool).push(
                values, taskInstanceId: message.taskInstanceId, tryNumber: message.tryNumber, workerId: identity.id)
            if let stored { log.notice(stored) }
            return .success
        } catch let problem as XComResults.Problem {
            log.notice(problem.message)
            return .failed
        } catch {
            log.notice("cannot store the try's results: \(error)")
            return .failed
        }
    }

    /// A try's log that holds only Tide's line saying why the try could not run.
    func noticeLog(_ line: String) -> TryLogWriter {
        let log = TryLogWriter(capBytes: settings.logMaxBytes)
        log.notice(line)
        return log
    }

    /// Runs the try. A nil outcome means a pod try let go of its pod for another worker to adopt.
    private func execute(
        message: TaskMessage, claimed: TaskInstanceStore.ClaimedTry, token: RunningTries.Token, log: Logger
    ) async -> (TryOutcome?, Int?, TryLogWriter, Double?, TaskSpec?) {
        let task: TaskSpec
        let dag: DAG
        let compiled: CompiledDAG
        do {
            compiled = try await definitions.compiled(dagId: claimed.dagId, hash: claimed.dagHash)
            dag = compiled.dag
            guard let found = compiled.task(claimed.taskId) else {
                return (
                    .failed, nil,
                    noticeLog(
                        "task '\(claimed.taskId)' is not in DAG '\(claimed.dagId)' version \(claimed.dagHash.prefix(12))"
                    ), nil, nil
                )
            }
            task = found
        } catch {
            return (.failed, nil, noticeLog("cannot load the DAG definition: \(error)"), nil, nil)
        }
        let retryDelay = RetryPolicy.delaySeconds(
            for: task, dagId: claimed.dagId, logicalDate: Date(timeIntervalSince1970: claimed.logicalDate),
            tryNumber: message.tryNumber)
        let rendered: TaskSpec
        let pulled: [XComPull: JSONValue]
        do {
            pulled = try await XComStore(pool: dependencies.pool).pull(
                runId: claimed.runId, task.xcomPulls, mapped: compiled.mapped)
        } catch {
            return (.failed, nil, noticeLog("cannot read the results the templates pull: \(error)"), retryDelay, task)
        }
        do {
            rendered = try TaskTemplates.render(
                task, dag: dag, claimed: claimed, tryNumber: message.tryNumber,
                defaultTimeZone: dependencies.defaultTimeZone, xcoms: pulled)
        } catch {
            return (.failed, nil, noticeLog(error.message), retryDelay, task)
        }
        let podOfTask: (@Sendable (KubernetesAccess) -> KubernetesPodTask)? =
            if case .kubernetesPod(let pod) = rendered.kind {
                { _ in pod }
            } else if rendered.runsInPod {
                { [rendered] access in
                    KubernetesPodTask.executorPod(
                        for: rendered, taskInstanceId: message.taskInstanceId, tryNumber: message.tryNumber,
                        image: access.workerImage, secret: access.workerSecret, environment: access.workerEnvironment)
                }
            } else {
                nil
            }
        if let podOfTask {
            let result = await runPod(
                podOfTask, task: rendered, claimed: claimed, message: message, token: token, log: log)
            return (result.outcome, result.exitCode, result.log, retryDelay, task)
        }
        let secrets: [String: String]
        do {
            secrets = try TaskEnvironment.secrets(for: rendered, inherited: inheritedEnvironment)
        } catch {
            return (.failed, nil, noticeLog(error.description), retryDelay, task)
        }
        var taskEnvironment = TaskEnvironment.build(
            inheritable: taskInheritedEnvironment, task: rendered, dagId: dag.dagId,
            run: runEnvironments.part(dag: dag, dagHash: claimed.dagHash, conf: claimed.conf), runName: claimed.runName,
            tryNumber: message.tryNumber, mapIndex: claimed.mapIndex, secrets: secrets)
        // Where the try may publish results (XCom): a folder of its own, gone after the try.
        let xcomFolder = xcomFolders.take()
        defer { xcomFolders.give(xcomFolder) }
        taskEnvironment["TIDE_XCOM_DIR"] = xcomFolder
        let environment = taskEnvironment
        log.debug("try started")
        var localRunner = LocalRunner(
            logMaxBytes: settings.logMaxBytes, lookup: executables, niceness: settings.taskNiceness)
        localRunner.keepsOutput = false
        let runner = localRunner
        let tryLog = TryLogWriter(capBytes: settings.logMaxBytes, maskedValues: Array(secrets.values))
        if case .sensor(let sensor) = rendered.kind {
            let sensorRunner = SensorRunner(
                sensor: sensor, environment: environment, runner: runner, log: tryLog,
                key: "\(claimed.dagId)#\(task.taskId)#\(Int64(claimed.logicalDate))",
                sensingForSeconds: claimed.sensingForSeconds, pokesBefore: claimed.sensorPokes)
            let interruptions = SensorRunner.Interruptions(
                isInterrupted: { [running] in running.isInterrupted(token) },
                onInterrupt: { [running] wake in running.whenInterrupted(token, wake: wake) })
            let ending = await storingLog(tryLog, of: message, log: log) {
                await sensorRunner.run(
                    onStart: { [running] group in running.started(token, processGroup: group) },
                    interruptions: interruptions)
            }
            // A reschedule waits for the sensor's next check instead of a retry delay.
            return (ending.outcome, ending.exitCode.map(Int.init), tryLog, ending.nextCheckSeconds ?? retryDelay, task)
        }
        let result = await storingLog(tryLog, of: message, log: log) {
            await runner.run(
                kind: rendered.kind, environment: environment, timeoutSeconds: task.executionTimeoutSeconds,
                onStart: { [running] group in running.started(token, processGroup: group) },
                onOutput: { bytes in await tryLog.write(bytes) })
        }
        let lastLine = task.doXcomPush || task.branch ? tryLog.lastOutputLine() : nil
        for line in result.log.notices { tryLog.notice(line) }
        var outcome: TryOutcome
        if result.timedOut {
            outcome = .failed
        } else if let code = result.exitCode {
            switch ExitCodeRule.state(forExitCode: code) {
            case .success: outcome = .success
            case .skipped: outcome = .skipped
            default: outcome = .failed
            }
        } else {
            outcome = .failed
        }
        // An empty folder and no do_xcom_push: nothing published (which fails a try a mapped task expands over).
        let expanded = XComResults.Expanded(taskId: task.taskId, dag: compiled, maxLength: settings.maxMapLength)
        if outcome == .success,
            task.branch || lastLine != nil || expanded != nil || !XComFolders.isEmpty(xcomFolder)
        {
            let branch = task.branch ? XComResults.Branch(taskId: task.taskId, dag: compiled) : nil
            outcome = await publish(message, log: tryLog) { [settings] in
                let (values, notice) = try XComResults.collect(
                    directory: xcomFolder, lastLine: lastLine, maxBytes: settings.xcomMaxBytes, branch: branch,
                    expanded: expanded)
                if let notice { tryLog.notice(notice) }
                return values
            }
        }
        return (outcome, result.exitCode.map(Int.init), tryLog, retryDelay, task)
    }
}
