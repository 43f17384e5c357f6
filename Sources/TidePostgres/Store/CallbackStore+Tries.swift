import Foundation
import TideCore

extension CallbackStore {
    /// The callbacks a try triggers for each state it may end in (`finish` keeps the one that
    /// applies): the worker's for the tries it runs, the scheduler's for the tries of dead workers.
    public static func tryItems(
        task: TaskSpec, dagId: String, runName: String, runNumber: Int64, logicalDate: Double, tryNumber: Int,
        log: String
    ) -> [TaskState: [Item]] {
        guard !task.callbacks.isEmpty else { return [:] }
        var items: [TaskState: [Item]] = [:]
        for state in [TaskState.success, .failed, .upForRetry] {
            guard let (event, specs) = task.callbacks.forTask(state: state), !specs.isEmpty else { continue }
            let payload = CallbackPayload(
                event: event, dagId: dagId, runName: runName, runNumber: runNumber,
                logicalDate: Date(timeIntervalSince1970: logicalDate), state: state.rawValue, taskId: task.taskId,
                tryNumber: tryNumber, logTail: CallbackPayload.tail(of: log))
            items[state] = specs.map { Item(spec: $0, payload: payload) }
        }
        return items
    }
}
