import Foundation
import TideCore

/// The tries a worker is running, with their process groups, so a drain can hand them back.
final class RunningTries: Sendable {
    private struct Entry: Sendable {
        var processGroup: pid_t?
        var handedBack = false
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

    /// Records the try's process group. If the try was handed back meanwhile, kills it at once.
    func started(_ token: Token, processGroup: pid_t) {
        let kill = entries.mutate { entries -> Bool in
            entries[token]?.processGroup = processGroup
            return entries[token]?.handedBack ?? false
        }
        if kill { ProcessGroup.kill(processGroup, signal: SIGKILL) }
    }

    /// Removes a try. Returns true if it was handed back (killed by the drain).
    @discardableResult
    func finished(_ token: Token) -> Bool {
        entries.mutate { $0.removeValue(forKey: token)?.handedBack ?? false }
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
