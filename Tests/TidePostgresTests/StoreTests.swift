import Testing
import TideCore
import TideTestSupport

@testable import TidePostgres

/// A schema with one DAG stored and one run started: the common starting point.
struct Fixture {
    let schema: IsolatedSchema
    let run: RunRecord
    let ids: [String: Int64]
    var tasks: TaskInstanceStore { TaskInstanceStore(pool: schema.pool) }

    static func make(_ dag: DAG) async throws -> Fixture {
        let schema = try await IsolatedSchema.create()
        try await DagStore(pool: schema.pool).upsert(dag)
        let runs = RunStore(pool: schema.pool)
        let run = try await runs.trigger(dagId: dag.dagId, conf: #"{"day":"2026-11-21"}"#)
        #expect(try await runs.start(run, dag: dag))
        let ids = Dictionary(
            uniqueKeysWithValues: try await TaskInstanceStore(pool: schema.pool).forRun(run.id).map {
                ($0.taskId, $0.id)
            })
        return Fixture(schema: schema, run: run, ids: ids)
    }

    /// Registers worker `id` (host "h", one slot) and has it claim try 1 of task `a`.
    func workerClaimingA(_ id: String) async throws -> WorkerStore {
        let workers = WorkerStore(pool: schema.pool)
        let a = try #require(ids["a"])
        try await workers.register(id: id, hostname: "h", pid: 1, queues: ["default"], slots: 1)
        _ = try await tasks.queue([a])
        _ = try await tasks.claim(taskInstanceId: a, tryNumber: 1, workerId: id, hostname: "h", pid: 1)
        return workers
    }

    /// Makes every worker's heartbeat older than the tests' 60 s timeout.
    func silenceWorkers() async throws {
        try await schema.pool.query("UPDATE workers SET heartbeat_at = now() - interval '2 minutes'")
    }
}

private let twoTasks = DAG(
    dagId: "pair",
    tasks: [
        TaskSpec(taskId: "a", retries: 1, retryDelaySeconds: 0, kind: .bash("true")),
        TaskSpec(taskId: "b", upstream: ["a"], kind: .bash("true")),
    ], fileloc: "pair.yaml")

@Suite("State store")
struct StoreTests {
    @Test func aRunStartsOnceWithOneTaskInstancePerTask() async throws {
        let fixture = try await Fixture.make(twoTasks)
        #expect(try await RunStore(pool: fixture.schema.pool).start(fixture.run, dag: twoTasks) == false)
        let instances = try await fixture.tasks.forRun(fixture.run.id)
        #expect(instances.map(\.taskId) == ["a", "b"])
        #expect(instances.allSatisfy { $0.state == .none && $0.tryNumber == 0 })
        #expect(instances.first?.maxTries == 2)
        await fixture.schema.drop()
    }

    /// `default_weight_rule` applies to tasks that name no rule, never to those that do.
    @Test func aRunStartsWithPrioritiesUnderTheConfiguredDefaultWeightRule() async throws {
        let dag = DAG(
            dagId: "weights",
            tasks: [
                TaskSpec(taskId: "a", priorityWeight: 1, kind: .empty),
                TaskSpec(taskId: "b", upstream: ["a"], priorityWeight: 2, kind: .empty),
                TaskSpec(taskId: "c", upstream: ["b"], priorityWeight: 4, kind: .empty),
                TaskSpec(taskId: "own", priorityWeight: 8, kind: .empty, weightRule: .upstream),
            ])
        let schema = try await IsolatedSchema.create()
        try await DagStore(pool: schema.pool).upsert(dag)
        var weights: [WeightRule: [String: Int]] = [:]
        for rule in [WeightRule.downstream, .absolute] {
            let runs = RunStore(pool: schema.pool, defaultWeightRule: rule)
            let run = try await runs.trigger(dagId: "weights", runId: "under_\(rule)")
            #expect(try await runs.start(run, dag: dag))
            let instances = try await TaskInstanceStore(pool: schema.pool).forRun(run.id)
            weights[rule] = Dictionary(uniqueKeysWithValues: instances.map { ($0.taskId, $0.priorityWeight) })
        }
        #expect(weights[.downstream] == ["a": 7, "b": 6, "c": 4, "own": 8])
        #expect(weights[.absolute] == ["a": 1, "b": 2, "c": 4, "own": 8])
        await schema.drop()
    }

    @Test func onlyOneOfTwoConcurrentClaimsWins() async throws {
        let fixture = try await Fixture.make(twoTasks)
        let queued = try await fixture.tasks.queue([try #require(fixture.ids["a"])])
        let message = try #require(queued.first?.message)
        #expect(message.tryNumber == 1)
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for worker in ["w1", "w2", "w3"] {
                group.addTask {
                    try await fixture.tasks.claim(
                        taskInstanceId: message.taskInstanceId, tryNumber: 1, workerId: worker, hostname: "h", pid: 1)
                        != nil
                }
            }
            var wins = 0
            for try await won in group where won { wins += 1 }
            return wins
        }
        #expect(results == 1)
        await fixture.schema.drop()
    }

    @Test func aStaleTryNumberCannotClaimOrFinish() async throws {
        let fixture = try await Fixture.make(twoTasks)
        let id = try #require(fixture.ids["a"])
        _ = try await fixture.tasks.queue([id])
        #expect(
            try await fixture.tasks.claim(taskInstanceId: id, tryNumber: 2, workerId: "w", hostname: "h", pid: 1) == nil
        )
        let claimed = try await fixture.tasks.claim(
            taskInstanceId: id, tryNumber: 1, workerId: "w", hostname: "h", pid: 1)
        #expect(claimed?.conf.contains("2026-11-21") == true)
        // Another worker, or a stale try number, cannot write the result.
        #expect(
            try await fixture.tasks.finishAsWorker(
                taskInstanceId: id, tryNumber: 1, workerId: "intruder", outcome: .success, exitCode: 0, log: "",
                logTruncated: false,
                logTotalBytes: 0) == nil)
        let finished = try await fixture.tasks.finishAsWorker(
            taskInstanceId: id, tryNumber: 1, workerId: "w", outcome: .failed, exitCode: 1, log: "boom\n",
            logTruncated: false,
            logTotalBytes: 5)
        #expect(finished?.state == .upForRetry)
        await fixture.schema.drop()
    }

    @Test func failedTriesRetryUntilTriesRunOutAndEveryLogIsKept() async throws {
        let fixture = try await Fixture.make(twoTasks)
        let id = try #require(fixture.ids["a"])
        var states: [TaskState] = []
        for tryNumber in 1...2 {
            let queued = try await fixture.tasks.queue([id])
            #expect(queued.first?.message.tryNumber == tryNumber)
            _ = try await fixture.tasks.claim(
                taskInstanceId: id, tryNumber: tryNumber, workerId: "w", hostname: "h", pid: 1)
            let finished = try await fixture.tasks.finishAsWorker(
                taskInstanceId: id, tryNumber: tryNumber, workerId: "w", outcome: .failed, exitCode: 2,
                log: "try \(tryNumber)\n", logTruncated: false, logTotalBytes: 6)
            states.append(try #require(finished?.state))
            if tryNumber == 1 { #expect(try await fixture.tasks.dueRetries().map(\.id) == [id]) }
        }
        #expect(states == [.upForRetry, .failed])
        let logs = try await fixture.tasks.logs(runId: fixture.run.id, taskId: "a")
        #expect(logs.map(\.content) == ["try 1\n", "try 2\n"])
        #expect(try await fixture.tasks.logs(runId: fixture.run.id, taskId: "a", tryNumber: 2).map(\.tryNumber) == [2])
        await fixture.schema.drop()
    }

    @Test func theRetryIsDueAfterTheDelayTheWorkerComputed() async throws {
        let fixture = try await Fixture.make(twoTasks)
        let id = try #require(fixture.ids["a"])
        _ = try await fixture.tasks.queue([id])
        _ = try await fixture.tasks.claim(taskInstanceId: id, tryNumber: 1, workerId: "w", hostname: "h", pid: 1)
        _ = try await fixture.tasks.finishAsWorker(
            taskInstanceId: id, tryNumber: 1, workerId: "w", outcome: .failed, exitCode: 1, log: "",
            logTruncated: false,
            logTotalBytes: 0, retryDelaySeconds: 3600)
        let wait = try #require(try await fixture.tasks.secondsUntilNextRetry())
        #expect(wait > 3500 && wait <= 3600)
        #expect(try await fixture.tasks.dueRetries().isEmpty)
        await fixture.schema.drop()
    }

    @Test func handedBackTriesRetryWithoutUsingARetry() async throws {
        let fixture = try await Fixture.make(twoTasks)
        let id = try #require(fixture.ids["b"])
        _ = try await fixture.tasks.queue([id])
        _ = try await fixture.tasks.claim(taskInstanceId: id, tryNumber: 1, workerId: "w", hostname: "h", pid: 1)
        let finished = try await fixture.tasks.finishAsWorker(
            taskInstanceId: id, tryNumber: 1, workerId: "w", outcome: .handedBack, exitCode: nil, log: "",
            logTruncated: false,
            logTotalBytes: 0)
        #expect(finished?.state == .upForRetry)
        let record = try #require(try await fixture.tasks.forRun(fixture.run.id).first { $0.id == id })
        #expect(record.maxTries == 2, "b had no retries; the handed-back try is given back")
        await fixture.schema.drop()
    }

    @Test func runsFinishOnlyWhenEveryTaskHasFinished() async throws {
        let fixture = try await Fixture.make(twoTasks)
        let runs = RunStore(pool: fixture.schema.pool)
        let a = try #require(fixture.ids["a"]), b = try #require(fixture.ids["b"])
        _ = try await fixture.tasks.queue([a])
        _ = try await fixture.tasks.claim(taskInstanceId: a, tryNumber: 1, workerId: "w", hostname: "h", pid: 1)
        _ = try await fixture.tasks.finishAsWorker(
            taskInstanceId: a, tryNumber: 1, workerId: "w", outcome: .success, exitCode: 0, log: "",
            logTruncated: false, logTotalBytes: 0)
        #expect(try await runs.finishCompleted([fixture.run.id]).runs.isEmpty)
        try await fixture.tasks.markUnrunnable([b], as: .upstreamFailed)
        let (finished, callbacks) = try await runs.finishCompleted([fixture.run.id]) { run in
            [
                CallbackStore.Item(
                    spec: CallbackSpec(url: "http://127.0.0.1:9/hook"),
                    payload: CallbackPayload(
                        event: .dagFailure, dagId: run.dagId, runName: run.runId, runNumber: run.id, logicalDate: .now,
                        state: run.state.rawValue))
            ]
        }
        #expect(finished.map(\.state) == [.failed])
        #expect(callbacks == 1)
        let outbox = try await CallbackStore(pool: fixture.schema.pool).forRun(fixture.run.id)
        #expect(outbox.map(\.event) == ["dag_failure"], "written with the run's outcome")
        await fixture.schema.drop()
    }

    @Test func abandoningARunFailsItAndItsUnfinishedTasksOnce() async throws {
        let fixture = try await Fixture.make(twoTasks)
        let runs = RunStore(pool: fixture.schema.pool)
        #expect(try await runs.abandon(fixture.run.id))
        #expect(try await runs.abandon(fixture.run.id) == false)
        #expect(try await runs.get(fixture.run.id).state == .failed)
        #expect(try await fixture.tasks.forRun(fixture.run.id).allSatisfy { $0.state == .failed })
        await fixture.schema.drop()
    }

    @Test func triggeringAnUnknownDAGSuggestsTheRightOne() async throws {
        let fixture = try await Fixture.make(twoTasks)
        await #expect {
            try await RunStore(pool: fixture.schema.pool).trigger(dagId: "piar")
        } throws: { error in
            (error as? PGError)?.code == .notFound && "\(error)".contains("did you mean 'pair'?")
        }
        await #expect {
            try await RunStore(pool: fixture.schema.pool).trigger(dagId: "pair", runId: fixture.run.runId)
        } throws: { error in (error as? PGError)?.code == .conflict }
        await fixture.schema.drop()
    }

    @Test func leafTasksDecideTheRunOutcome() async throws {
        let cleanup = DAG(
            dagId: "cleanup",
            tasks: [
                TaskSpec(taskId: "work", kind: .bash("false")),
                TaskSpec(taskId: "tidy", upstream: ["work"], kind: .bash("true"), triggerRule: .allDone),
            ], fileloc: "cleanup.yaml")
        let fixture = try await Fixture.make(cleanup)
        let work = try #require(fixture.ids["work"]), tidy = try #require(fixture.ids["tidy"])
        for (id, outcome) in [(work, TryOutcome.failed), (tidy, .success)] {
            _ = try await fixture.tasks.queue([id])
            _ = try await fixture.tasks.claim(taskInstanceId: id, tryNumber: 1, workerId: "w", hostname: "h", pid: 1)
            _ = try await fixture.tasks.finishAsWorker(
                taskInstanceId: id, tryNumber: 1, workerId: "w", outcome: outcome, exitCode: 0, log: "",
                logTruncated: false,
                logTotalBytes: 0)
        }
        let finished = try await RunStore(pool: fixture.schema.pool).finishCompleted([fixture.run.id]).runs
        #expect(finished.map(\.state) == [.success], "the failed task is not a leaf; the leaf succeeded")
        await fixture.schema.drop()
    }

    @Test func theStateOfATaskInThePreviousRunIsFoundByLogicalDate() async throws {
        let fixture = try await Fixture.make(twoTasks)
        let runs = RunStore(pool: fixture.schema.pool)
        #expect(try await fixture.tasks.statesInPreviousRun(of: fixture.run.id, taskIds: ["a"]).isEmpty)
        let second = try await runs.trigger(dagId: "pair")
        #expect(try await runs.start(second, dag: twoTasks))
        try await fixture.tasks.markUnrunnable([try #require(fixture.ids["a"])], as: .upstreamFailed)
        #expect(
            try await fixture.tasks.statesInPreviousRun(of: second.id, taskIds: ["a", "b", "zzz"]) == [
                "a": .upstreamFailed, "b": .none,
            ])
        await fixture.schema.drop()
    }

    @Test func concurrentTriggersGetDistinctDefaultRunIds() async throws {
        let fixture = try await Fixture.make(twoTasks)
        let runs = RunStore(pool: fixture.schema.pool)
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<30 { group.addTask { try await runs.trigger(dagId: "pair").runId } }
            var all: [String] = []
            for try await id in group { all.append(id) }
            return all
        }
        #expect(Set(ids).count == 30)
        #expect(ids.allSatisfy { $0.hasPrefix("manual__") && $0.hasSuffix("+00:00") })
        await fixture.schema.drop()
    }

    @Test func triesOfDeadWorkersAreRescued() async throws {
        let fixture = try await Fixture.make(twoTasks)
        let a = try #require(fixture.ids["a"])
        let workers = try await fixture.workerClaimingA("ghost")
        #expect(try await fixture.tasks.rescueTriesOfDeadWorkers(heartbeatOlderThan: 60).lost.isEmpty)
        try await fixture.silenceWorkers()
        let lost = try await fixture.tasks.rescueTriesOfDeadWorkers(heartbeatOlderThan: 60).lost
        #expect(lost.map(\.taskInstanceId) == [a])
        #expect(lost.first?.workerId == "ghost")
        #expect(try await workers.list().first?.state == "dead")
        // Failed like a worker's own failed try: the retry waits for its delay.
        let failed = try await fixture.tasks.failLostTry(
            try #require(lost.first), notice: "worker ghost stopped heartbeating", retryDelaySeconds: 30,
            callbacks: [:])
        #expect(failed?.state == .upForRetry)
        let wait = try #require(try await fixture.tasks.secondsUntilNextRetry())
        #expect(wait > 25 && wait <= 30)
        #expect(try await fixture.tasks.dueRetries().isEmpty)
        let instance = try #require(try await fixture.tasks.forRun(fixture.run.id).first { $0.id == a })
        #expect(instance.state == .upForRetry)
        // The lost try stays in the history, failed, with where it ran and why it ended; the dead
        // worker's late result (its process finished after all) replaces none of it.
        let late = try await fixture.tasks.finishAsWorker(
            taskInstanceId: a, tryNumber: 1, workerId: "ghost", outcome: .success, exitCode: 0, log: "late\n",
            logTruncated: false, logTotalBytes: 5)
        #expect(late == nil)
        let tries = try await fixture.tasks.tries(of: instance)
        #expect(tries.map(\.tryNumber) == [1])
        #expect(tries.first?.state == "failed")
        #expect(tries.first?.hostname == "h")
        #expect(tries.first?.workerId == "ghost")
        let log = try #require(try await fixture.tasks.logs(runId: fixture.run.id, taskId: "a").first)
        #expect(log.state == "failed")
        #expect(log.content == "[tide] worker ghost stopped heartbeating\n")
        await fixture.schema.drop()
    }

    @Test func aLostTryKeepsWhatItsWorkerStoredOfItsLog() async throws {
        let fixture = try await Fixture.make(twoTasks)
        let a = try #require(fixture.ids["a"])
        _ = try await fixture.workerClaimingA("ghost")
        try await fixture.tasks.storeRunningLog(
            [LogPiece(text: "halfway\n", charOffset: 0, byteOffset: 0)], taskInstanceId: a, tryNumber: 1,
            workerId: "ghost", truncated: false, totalBytes: 8)
        try await fixture.silenceWorkers()
        let lost = try #require(try await fixture.tasks.rescueTriesOfDeadWorkers(heartbeatOlderThan: 60).lost.first)
        _ = try await fixture.tasks.failLostTry(lost, notice: "lost", retryDelaySeconds: 0, callbacks: [:])
        let log = try #require(try await fixture.tasks.logs(runId: fixture.run.id, taskId: "a").first)
        #expect(log.content == "halfway\n[tide] lost\n")
        #expect(log.totalBytes == 8 + "[tide] lost\n".utf8.count)
        #expect(log.state == "failed")
        await fixture.schema.drop()
    }

    @Test func aWorkerDeclaredDeadIsLiveAgainAtItsNextHeartbeat() async throws {
        let fixture = try await Fixture.make(twoTasks)
        let workers = WorkerStore(pool: fixture.schema.pool)
        let a = try #require(fixture.ids["a"])
        try await workers.register(id: "cut-off", hostname: "h", pid: 1, queues: ["default"], slots: 1)
        #expect(try await workers.heartbeat(id: "cut-off", running: 0, state: "running") == false)
        try await fixture.silenceWorkers()
        _ = try await fixture.tasks.rescueTriesOfDeadWorkers(heartbeatOlderThan: 60)
        #expect(try await workers.list().first?.state == "dead")
        // Back from a partition: live again, and what it claims now is not taken as a dead worker's.
        #expect(try await workers.heartbeat(id: "cut-off", running: 0, state: "running"))
        #expect(try await workers.list().first?.isLive(timeoutSeconds: 60) == true)
        _ = try await fixture.tasks.queue([a])
        _ = try await fixture.tasks.claim(taskInstanceId: a, tryNumber: 1, workerId: "cut-off", hostname: "h", pid: 1)
        #expect(try await fixture.tasks.rescueTriesOfDeadWorkers(heartbeatOlderThan: 60).lost.isEmpty)
        #expect(try await fixture.tasks.forRun(fixture.run.id).first { $0.id == a }?.state == .running)
        await fixture.schema.drop()
    }

    @Test func workersGoneForADayAreForgotten() async throws {
        let fixture = try await Fixture.make(twoTasks)
        let workers = WorkerStore(pool: fixture.schema.pool)
        for id in ["live", "stopped-long-ago", "dead-long-ago", "stopped-just-now"] {
            try await workers.register(id: id, hostname: "h", pid: 1, queues: ["default"], slots: 1)
        }
        try await fixture.schema.pool.query(
            """
            UPDATE workers SET state = CASE id WHEN 'dead-long-ago' THEN 'dead' ELSE 'stopped' END,
                heartbeat_at = now() - interval '2 days'
            WHERE id IN ('stopped-long-ago', 'dead-long-ago')
            """)
        try await workers.markStopped(id: "stopped-just-now")
        try await workers.pruneGone(olderThanSeconds: 86_400)
        #expect(Set(try await workers.list().map(\.id)) == ["live", "stopped-just-now"])
        await fixture.schema.drop()
    }

    @Test func podTriesOfDeadWorkersAreQueuedAgainWithTheSameTry() async throws {
        let fixture = try await Fixture.make(twoTasks)
        let a = try #require(fixture.ids["a"])
        _ = try await fixture.workerClaimingA("ghost")
        #expect(try await fixture.tasks.recordPod("jobs/pair-a-x", taskInstanceId: a, tryNumber: 1, workerId: "ghost"))
        #expect(
            try await fixture.tasks.recordPod("jobs/pair-a-x", taskInstanceId: a, tryNumber: 2, workerId: "ghost")
                == false,
            "a stale try number records nothing")
        try await fixture.silenceWorkers()
        let rescue = try await fixture.tasks.rescueTriesOfDeadWorkers(heartbeatOlderThan: 60)
        #expect(rescue.adopted.map(\.message.taskInstanceId) == [a])
        #expect(rescue.adopted.first?.message.tryNumber == 1)
        let instance = try #require(try await fixture.tasks.forRun(fixture.run.id).first { $0.id == a })
        #expect(instance.state == .queued)
        #expect(instance.tryNumber == 1)
        #expect(try await fixture.tasks.adoptedElsewhere([a: 1], from: "ghost") == [a])
        #expect(try await fixture.tasks.adoptedElsewhere([a: 0], from: "ghost").isEmpty)
        // The adopter claims the same try; the old worker can no longer release or record it.
        _ = try await fixture.tasks.claim(taskInstanceId: a, tryNumber: 1, workerId: "heir", hostname: "h", pid: 2)
        #expect(try await fixture.tasks.release(taskInstanceId: a, tryNumber: 1, workerId: "ghost") == nil)
        #expect(try await fixture.tasks.release(taskInstanceId: a, tryNumber: 1, workerId: "heir") != nil)
        await fixture.schema.drop()
    }

    @Test func runningLogsAreTheOwnersUntilTheResultReplacesThem() async throws {
        let fixture = try await Fixture.make(twoTasks)
        let a = try #require(fixture.ids["a"])
        _ = try await fixture.tasks.queue([a])
        _ = try await fixture.tasks.claim(taskInstanceId: a, tryNumber: 1, workerId: "w1", hostname: "h", pid: 1)
        func store(_ worker: String, _ text: String) async throws {
            try await fixture.tasks.storeRunningLog(
                [LogPiece(text: text, charOffset: 0, byteOffset: 0)], taskInstanceId: a, tryNumber: 1,
                workerId: worker, truncated: false, totalBytes: text.count)
        }
        try await store("w1", "partial\n")
        try await store("w2", "not the owner\n")
        var logs = try await fixture.tasks.logs(runId: fixture.run.id, taskId: "a")
        #expect(logs.map(\.state) == ["running"])
        #expect(logs.first?.content == "partial\n")
        _ = try await fixture.tasks.finishAsWorker(
            taskInstanceId: a, tryNumber: 1, workerId: "w2", outcome: .failed, exitCode: 1, log: "stale\n",
            logTruncated: false, logTotalBytes: 6)
        #expect(try await fixture.tasks.logs(runId: fixture.run.id, taskId: "a").first?.content == "partial\n")
        _ = try await fixture.tasks.finishAsWorker(
            taskInstanceId: a, tryNumber: 1, workerId: "w1", outcome: .success, exitCode: 0, log: "partial\nall\n",
            logTruncated: false, logTotalBytes: 12)
        try await store("w1", "late\n")
        logs = try await fixture.tasks.logs(runId: fixture.run.id, taskId: "a")
        #expect(logs.map(\.state) == ["success"])
        #expect(logs.first?.content == "partial\nall\n")
        await fixture.schema.drop()
    }

    @Test func aBatchOfRunsStartsInOneTransactionWithinMaxActiveRuns() async throws {
        let schema = try await IsolatedSchema.create()
        var single = twoTasks
        single.dagId = "single"
        single.maxActiveRuns = 1
        let dags = DagStore(pool: schema.pool)
        try await dags.upsert(single)
        try await dags.upsert(twoTasks)
        let runs = RunStore(pool: schema.pool)
        let first = try await runs.trigger(dagId: "single")
        let second = try await runs.trigger(dagId: "single")
        let other = try await runs.trigger(dagId: "pair")
        let batch = [(first, single), (second, single), (other, twoTasks)].map { ($0.0, CompiledDAG($0.1)) }
        #expect(try await runs.start(batch) == [first.id, other.id], "max_active_runs 1 holds inside the batch")
        let tasks = TaskInstanceStore(pool: schema.pool)
        #expect(try await tasks.forRun(first.id).count == 2)
        #expect(try await tasks.forRun(second.id).isEmpty, "a run not started gets no task instances")
        #expect(try await runs.get(second.id).state == .queued)
        // Started again (another scheduler's view): nothing changes.
        #expect(try await runs.start(batch).isEmpty)
        #expect(try await tasks.forRun(other.id).count == 2)
        await schema.drop()
    }

    @Test func dagVersionsAreKeptAndDeactivationSparesBrokenFiles() async throws {
        let fixture = try await Fixture.make(twoTasks)
        let dags = DagStore(pool: fixture.schema.pool)
        var changed = twoTasks
        changed.description = "v2"
        try await dags.upsert(changed)
        let listed = try #require(try await dags.list().first)
        #expect(listed.contentHash != fixture.run.dagHash)
        #expect(
            try await dags.definition(dagId: "pair", hash: fixture.run.dagHash) == twoTasks, "the run keeps its version"
        )
        #expect(try await dags.deactivate(allExcept: [], keepingFiles: ["pair.yaml"]).isEmpty)
        #expect(try await dags.deactivate(allExcept: [], keepingFiles: []) == ["pair"])
        #expect(try await dags.list().isEmpty)
        #expect(try await dags.list(includeInactive: true).count == 1)
        await fixture.schema.drop()
    }
}
