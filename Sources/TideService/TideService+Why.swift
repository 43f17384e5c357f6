import Foundation
import TideCore
import TidePostgres
import TideRedis

extension TideService {
    /// Why `ti` of `run` is not running, or what holds it where it is.
    public func whyNotRunning(_ ti: TaskInstanceRecord, of run: RunRecord) async throws -> WaitReport {
        let dag = try await definition(dagId: run.dagId, hash: run.dagHash)
        var report = WaitReport(taskId: ti.taskId, state: ti.state.rawValue, tryNumber: ti.tryNumber, reasons: [])
        func add(_ kind: WaitReport.Kind, _ message: String, blocking: Bool = true) {
            report.reasons.append(.init(kind, message, blocking: blocking))
        }
        let now = Date().timeIntervalSince1970
        switch ti.state {
        case .success, .failed, .skipped, .upstreamFailed:
            add(.finished, "the task instance finished: \(ti.state.rawValue)", blocking: false)
            return report
        case .running:
            let since = ti.startedAt.map { " for \(Self.seconds(now - $0))" } ?? ""
            add(.running, "running on worker \(ti.workerId ?? "?")\(since)", blocking: false)
            if let pod = ti.externalId, let reason = try await podWaitingReason(ti) {
                add(.podPending, "pod \(pod) is not running yet: \(reason)")
            }
            return report
        case .queued:
            try await explainQueued(ti, now: now, add: add)
            return report
        case .upForRetry:
            if let due = ti.nextRetryAt, due > now {
                add(
                    .retryBackoff,
                    "try \(ti.tryNumber) failed; retry \(ti.tryNumber + 1) is due in \(Self.seconds(due - now))")
            } else {
                add(
                    .retryBackoff, "retry \(ti.tryNumber + 1) is due; the scheduler queues it on its next pass",
                    blocking: false)
            }
            return report
        case .upForReschedule:
            let since = ti.sensingSince.map { " for \(Self.seconds(now - $0))" } ?? ""
            let found = ti.sensorStatus.map { ": \($0)" } ?? ""
            let next = ti.nextRetryAt.map { $0 > now ? "in \(Self.seconds($0 - now))" : "now" } ?? "soon"
            add(.sensor, "sensor waiting\(since)\(found); next check \(next)")
            return report
        case .none, .scheduled:
            break
        }
        let record = try await dags.record(run.dagId)
        if run.state == .queued {
            var running = RunQuery()
            running.dagId = run.dagId
            running.states = [.running]
            running.limit = 0
            let count = try await runs.page(running).total
            add(
                .runNotStarted,
                count >= dag.maxActiveRuns
                    ? "the run waits to start: \(count) of this DAG's max_active_runs \(dag.maxActiveRuns) runs are running"
                    : "the run has not started yet; the scheduler starts it on its next pass",
                blocking: count >= dag.maxActiveRuns)
        }
        if record.isPaused { add(.dagPaused, "the DAG is paused: its queued runs do not start") }
        guard let task = dag.task(ti.taskId) else { return report }
        if ti.state == .none {
            let upstream = try await taskInstances.states(of: [run.id: task.upstream])[run.id] ?? [:]
            let states = task.upstream.map { upstream[$0]?.state ?? .none }
            // A mapped upstream task counts each of its instances, as the scheduler does.
            let counted = task.upstream.flatMap { upstream[$0]?.instances.map(\.state) ?? [.none] }
            if task.triggerRule.evaluate(upstream: counted) == .wait {
                let listed = zip(task.upstream, states).map { "\($0)=\($1.rawValue)" }.joined(separator: ", ")
                add(.upstream, "trigger rule \(task.triggerRule.rawValue) is not met yet: \(listed)")
            }
            if task.dependsOnPast {
                let previous = try await taskInstances.statesInPreviousRun(of: run.id, taskIds: [task.taskId])
                if let state = previous[task.taskId], state != .success, state != .skipped {
                    add(.dependsOnPast, "depends_on_past: its instance in the previous run is \(state.rawValue)")
                }
            }
            if report.reasons.isEmpty {
                add(.ready, "its dependencies are met; the scheduler decides on its next pass", blocking: false)
            }
            return report
        }
        // Ready (scheduled): waiting for a slot under the limits.
        let usage = try await taskInstances.limitUsage(of: ti)
        if usage.total >= limits.parallelism {
            add(
                .parallelism,
                "parallelism: \(usage.total) of \(limits.parallelism) task instances are queued or running")
        }
        if usage.dag >= dag.maxActiveTasks {
            add(.maxActiveTasks, "max_active_tasks: \(usage.dag) of \(dag.maxActiveTasks) of this DAG are active")
        }
        if let limit = task.maxActiveTisPerDag, usage.task >= limit {
            add(.maxActiveTisPerDag, "max_active_tis_per_dag: \(usage.task) of \(limit) of this task are active")
        }
        if let slots = usage.poolSlots {
            if usage.poolUsed + ti.poolSlots > slots {
                add(
                    .poolFull,
                    "pool \(ti.pool): \(usage.poolUsed) of \(slots) slots are taken and it needs \(ti.poolSlots)")
            }
        } else {
            add(.unknownPool, "pool \(ti.pool) does not exist (tide pools set, or POST /api/v2/pools)")
        }
        if let nodePool = ti.nodePool, let limit = limits.nodePoolMaxPods[nodePool], usage.nodePool >= limit {
            add(.nodePoolFull, "node pool \(nodePool): \(usage.nodePool) of its max_pods \(limit) pod tasks are active")
        }
        if report.reasons.allSatisfy({ !$0.blocking }) {
            add(
                .dispatchOrder,
                usage.readyAhead == 0
                    ? "it is next in dispatch order; the scheduler queues it on its next pass"
                    : "\(usage.readyAhead) ready task instance(s) come first in dispatch order (priority, then age)",
                blocking: false)
        }
        return report
    }

    private func explainQueued(
        _ ti: TaskInstanceRecord, now: Double, add: (WaitReport.Kind, String, Bool) -> Void
    ) async throws {
        let message = TaskMessage(
            taskInstanceId: ti.id, tryNumber: ti.tryNumber, queue: ti.queue, dagId: ti.dagId, taskId: ti.taskId)
        let since = ti.queuedAt.map { " for \(Self.seconds(now - $0))" } ?? ""
        let position: Result<Int?, any Error>
        do {
            position = .success(try await redis.with { try await queues.position(of: message, on: $0) })
        } catch {
            position = .failure(error)
        }
        switch position {
        case .success(let ahead?):
            add(
                .queuePosition,
                "queued\(since) in queue \(ti.queue): \(ahead) message(s) ahead of it; it starts when a worker has a free slot",
                false)
        case .success(nil):
            add(
                .queuePosition,
                "queued\(since) but not in Redis queue \(ti.queue) (being claimed, or lost; the scheduler pushes it again after queued_timeout)",
                false)
        case .failure:
            add(.queuePosition, "queued\(since); Redis is unreachable, so its position is unknown", false)
        }
        let live = try await workers.list().filter {
            $0.heartbeatAge < 60 && ($0.state == "running") && $0.queues.contains(ti.queue)
        }
        if live.isEmpty {
            add(.noLiveWorker, "no live worker serves queue \(ti.queue)", true)
        } else if live.allSatisfy({ $0.running >= $0.slots }) {
            add(.queuePosition, "all \(live.count) worker(s) of queue \(ti.queue) are busy", true)
        }
    }

    private func podWaitingReason(_ ti: TaskInstanceRecord) async throws -> String? {
        try await taskInstances.podWaitingReason(ti.id)
    }

    static func seconds(_ value: Double) -> String {
        let whole = Int(max(0, value).rounded())
        if whole < 60 { return "\(whole) s" }
        if whole < 3600 { return "\(whole / 60) min \(whole % 60) s" }
        return "\(whole / 3600) h \((whole % 3600) / 60) min"
    }
}

extension TideService {
    /// Messages waiting in each named Redis queue.
    /// - Throws: a ``RedisError`` when Redis cannot be reached.
    public func queueDepths(_ names: [String]) async throws -> [String: Int] {
        try await redis.with { connection in
            var depths: [String: Int] = [:]
            for name in names { depths[name] = try await queues.depth(of: name, on: connection) }
            return depths
        }
    }
}
