import Foundation
import TideCore
import TidePostgres
import TideRedis

extension SchedulerService {
    /// Checks the sensors among `ids` that wait for another DAG's task (or run), from PostgreSQL:
    /// each succeeds, fails (or skips), or waits in `up_for_reschedule` for its next check. The
    /// finished ones are announced like finished tries, so their downstream tasks are evaluated.
    /// - Returns: seconds until the earliest next check, if one waits.
    func checkSensors(_ ids: [Int64], push: RedisConnection) async throws -> Double? {
        let sensed = try await tasks.sensedInstances(ids)
        guard !sensed.isEmpty else { return nil }
        var pending:
            [(
                id: Int64, instance: TaskInstanceStore.SensedInstance, sensor: SensorTask,
                check: ExternalTaskCheck, awaited: TaskInstanceStore.AwaitedInstance
            )] = []
        for (id, instance) in sensed {
            guard case .sensor(let sensor)? = try await dagOfRun(instance.runId)?.task(instance.taskId)?.kind,
                case .externalTask(let check) = sensor.check
            else { continue }
            let awaited = TaskInstanceStore.AwaitedInstance(
                dagId: check.dagId, taskId: check.taskId,
                logicalDate: instance.logicalDate - check.executionDeltaSeconds)
            pending.append((id, instance, sensor, check, awaited))
        }
        let states = try await tasks.states(of: pending.map(\.awaited))
        var results: [TaskInstanceStore.SensorCheckResult] = []
        var nextCheck: Double?
        for item in pending {
            let state = states[item.awaited]
            let what = Self.describe(item.awaited, state: state)
            let result: TaskInstanceStore.SensorCheckResult
            switch item.check.verdict(on: state) {
            case .satisfied:
                result = .init(taskInstanceId: item.id, state: .success, nextCheckSeconds: nil, status: what)
            case .failed:
                result = .init(
                    taskInstanceId: item.id, state: item.sensor.softFail ? .skipped : .failed, nextCheckSeconds: nil,
                    status: what + " (a failed state)")
            case .notYet:
                let elapsed = item.instance.sensingForSeconds ?? 0
                switch SensorTiming.next(
                    after: item.sensor, pokeCount: item.instance.pokes + 1, elapsedSeconds: elapsed,
                    key: "\(item.instance.runId)#\(item.instance.taskId)")
                {
                case .checkAgain(let seconds):
                    result = .init(
                        taskInstanceId: item.id, state: .upForReschedule, nextCheckSeconds: seconds, status: what)
                    nextCheck = min(nextCheck ?? seconds, seconds)
                case .timedOut:
                    result = .init(
                        taskInstanceId: item.id, state: item.sensor.softFail ? .skipped : .failed,
                        nextCheckSeconds: nil,
                        status: what + "; timed out after \(Int(item.sensor.timeoutSeconds)) s")
                }
            }
            results.append(result)
        }
        let finished = try await tasks.recordSensorChecks(results)
        if !finished.isEmpty {
            try await EventChannel(keys: dependencies.keys).publish(
                finished.map { TaskEvent(kind: .taskFinished, runId: $0.runId, taskId: $0.taskId, state: $0.state) },
                on: push)
            for sensor in finished {
                logger.info(
                    "sensor finished",
                    metadata: [
                        "run.id": "\(sensor.runId)", "task.id": "\(sensor.taskId)",
                        "task.state": "\(sensor.state.rawValue)",
                    ])
            }
        }
        return nextCheck
    }

    /// `upstream_dag.publish at 2026-03-10T00:00:00Z: running` (or `no run yet`).
    static func describe(_ awaited: TaskInstanceStore.AwaitedInstance, state: TaskState?) -> String {
        let target = awaited.taskId.map { "\(awaited.dagId).\($0)" } ?? "the run of \(awaited.dagId)"
        let date = Date(timeIntervalSince1970: awaited.logicalDate).formatted(.iso8601)
        return "\(target) at \(date): \(state?.rawValue ?? "no run yet")"
    }
}
