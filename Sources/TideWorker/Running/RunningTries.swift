import Foundation
import TideCore

/// The tries a worker is running, with their process groups, so a drain can hand them back.
final class RunningTries: Sendable {
    private struct Entry: Sendable {
        var processGroup: pid_t?
        var handedBack = false
        /// Set once the claim succeeded.
        var taskInstanceId: Int64?
        /// How many times it was told to stop because its task instance moved on.
        var stopRequests = 0
    }

    /// How a try's process ended, from the registry's point of view.
    enum Ending: Sendable {
        case normal
        /// Killed by the drain after the grace period.
        case handedBack
        /// Stopped because its task instance was no longer running on this worker.
        case stopped
    }

    /// Identifies one message being handled (two copies of one message get two tokens).
    struct Token: Hashable, Sendable {
        fileprivate let value: Int
    }

    private let entries = LockedBox<[Token: Entry]>([:])
    private let counter = LockedBox(0)

    var count: Int { entries.value.count }

    /// Registers a try about to be claimed and run.
    func register() -> Token {
        let token = Token(
            value: counter.mutate { value -> Int in
                value += 1
                return value
            })
        entries.mutate { $0[token] = Entry() }
        return token
    }

    /// Records which task instance a registered try claimed.
    func bind(_ token: Token, to taskInstanceId: Int64) {
        entries.mutate { $0[token]?.taskInstanceId = taskInstanceId }
    }

    /// The claimed task instances being run.
    var claimedTaskInstances: [Int64] { entries.value.values.compactMap(\.taskInstanceId) }

    /// Stops the tries of these task instances: SIGTERM to the process group the first time,
    /// SIGKILL after that.
    func stop(taskInstances ids: Set<Int64>) {
        let targets = entries.mutate { entries -> [(pid_t, Int32)] in
            var targets: [(pid_t, Int32)] = []
            for (token, entry) in entries {
                guard let id = entry.taskInstanceId, ids.contains(id) else { continue }
                let firstRequest = entry.stopRequests == 0
                entries[token]?.stopRequests += 1
                if let group = entry.processGroup { targets.append((group, firstRequest ? SIGTERM : SIGKILL)) }
            }
            return targets
        }
        for (group, signal) in targets { ProcessGroup.kill(group, signal: signal) }
    }

    /// Records the try's process group. If the try was handed back meanwhile, kills it at once.
    func started(_ token: Token, processGroup: pid_t) {
        let kill = entries.mutate { entries -> Bool in
            entries[token]?.processGroup = processGroup
            return entries[token]?.handedBack ?? false
        }
        if kill { ProcessGroup.kill(processGroup, signal: SIGKILL) }
    }

    /// Removes a try and says how it ended.
    @discardableResult
    func finished(_ token: Token) -> Ending {
        guard let entry = entries.mutate({ $0.removeValue(forKey: token) }) else { return .normal }
        if entry.handedBack { return .handedBack }
        return entry.stopRequests > 0 ? .stopped : .normal
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
