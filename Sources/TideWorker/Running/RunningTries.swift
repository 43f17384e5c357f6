import Foundation
import TideCore

/// The tries a worker is running, with their process groups, so a drain can hand them back.
final class RunningTries: Sendable {
    private struct Entry: Sendable {
        var processGroup: pid_t?
        var handedBack = false
    }

    private let entries = LockedBox<[Int64: Entry]>([:])

    var count: Int { entries.value.count }

    /// Registers a claimed try before its process starts.
    func claimed(_ taskInstanceId: Int64) {
        entries.mutate { $0[taskInstanceId] = Entry() }
    }

    /// Records the try's process group. If the try was handed back meanwhile, kills it at once.
    func started(_ taskInstanceId: Int64, processGroup: pid_t) {
        let kill = entries.mutate { entries -> Bool in
            entries[taskInstanceId]?.processGroup = processGroup
            return entries[taskInstanceId]?.handedBack ?? false
        }
        if kill { ProcessGroup.kill(processGroup, signal: SIGKILL) }
    }

    /// Removes a finished try. Returns true if it was handed back (killed by the drain).
    func finished(_ taskInstanceId: Int64) -> Bool {
        entries.mutate { $0.removeValue(forKey: taskInstanceId)?.handedBack ?? false }
    }

    /// Marks every running try handed back and kills its process group.
    /// - Returns: how many tries were handed back.
    @discardableResult
    func handBackAll() -> Int {
        let groups = entries.mutate { entries -> [pid_t?] in
            for key in entries.keys { entries[key]?.handedBack = true }
            return entries.values.map(\.processGroup)
        }
        for group in groups.compactMap({ $0 }) { ProcessGroup.kill(group, signal: SIGKILL) }
        return groups.count
    }
}

/// Signals to a whole process group: the task's shell and everything it started.
enum ProcessGroup {
    static func kill(_ group: pid_t, signal: Int32) {
        guard group > 1 else { return }
        _ = Foundation.kill(-group, signal)
    }
}
