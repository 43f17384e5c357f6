import Foundation
import TideCore

/// The tries a worker is running, with their process groups (or, for pod tries, the channel
/// that tells the pod runner to stop or detach), so a drain can hand them back.
final class RunningTries: Sendable {
    private struct Entry: Sendable {
        var processGroup: pid_t?
        var podControl: AsyncStream<PodControl>.Continuation?
        var handedBack = false
        /// Set once the claim succeeded.
        var taskInstanceId: Int64?
        var tryNumber = 0
        /// How many times it was told to stop because its task instance moved on.
        var stopRequests = 0
        /// Wakes a sensor waiting between two checks.
        var wake: (@Sendable () -> Void)?
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
    func bind(_ token: Token, to taskInstanceId: Int64, tryNumber: Int) {
        entries.mutate { entries in
            entries[token]?.taskInstanceId = taskInstanceId
            entries[token]?.tryNumber = tryNumber
        }
    }

    /// The claimed task instances being run.
    var claimedTaskInstances: [Int64] { entries.value.values.compactMap(\.taskInstanceId) }

    /// Stops the tries of these task instances: SIGTERM to the process group the first time,
    /// SIGKILL after that; a pod try is told to delete its pod.
    func stop(taskInstances ids: Set<Int64>) {
        let (targets, wakes) = entries.mutate { entries -> ([(pid_t, Int32)], [@Sendable () -> Void]) in
            var targets: [(pid_t, Int32)] = []
            var wakes: [@Sendable () -> Void] = []
            for (token, entry) in entries {
                guard let id = entry.taskInstanceId, ids.contains(id) else { continue }
                let firstRequest = entry.stopRequests == 0
                entries[token]?.stopRequests += 1
                if let group = entry.processGroup { targets.append((group, firstRequest ? SIGTERM : SIGKILL)) }
                if firstRequest { entry.podControl?.yield(.stop) }
                if let wake = entry.wake { wakes.append(wake) }
            }
            return (targets, wakes)
        }
        for (group, signal) in targets { ProcessGroup.kill(group, signal: signal) }
        for wake in wakes { wake() }
    }

    /// Tells the pod tries of these task instances (nil: all of them, the worker is shutting
    /// down) to leave their pods running and end, for another worker to adopt.
    func detach(taskInstances ids: Set<Int64>? = nil) {
        entries.mutate { entries in
            for entry in entries.values {
                if let ids {
                    guard let id = entry.taskInstanceId, ids.contains(id) else { continue }
                }
                entry.podControl?.yield(.detach)
            }
        }
    }

    /// The channel through which a pod try hears stop and detach requests. A try handed back
    /// before it asked is told to detach at once.
    func podControls(_ token: Token) -> AsyncStream<PodControl> {
        let (stream, continuation) = AsyncStream<PodControl>.makeStream()
        let handedBack = entries.mutate { entries -> Bool in
            entries[token]?.podControl = continuation
            return entries[token]?.handedBack ?? false
        }
        if handedBack { continuation.yield(.detach) }
        return stream
    }

    /// The claimed pod tries being run: task instance → try number.
    var podTries: [Int64: Int] {
        var tries: [Int64: Int] = [:]
        for entry in entries.value.values where entry.podControl != nil {
            if let id = entry.taskInstanceId { tries[id] = entry.tryNumber }
        }
        return tries
    }

    /// Whether the try was told to stop or handed back (a sensor then stops checking).
    func isInterrupted(_ token: Token) -> Bool {
        entries.mutate { entries in
            guard let entry = entries[token] else { return true }
            return entry.handedBack || entry.stopRequests > 0
        }
    }

    /// Sets (or, with nil, removes) what wakes the try while it waits between a sensor's checks.
    /// A try interrupted already is woken at once.
    func whenInterrupted(_ token: Token, wake: (@Sendable () -> Void)?) {
        let interrupted = entries.mutate { entries -> Bool in
            entries[token]?.wake = wake
            guard let entry = entries[token] else { return true }
            return entry.handedBack || entry.stopRequests > 0
        }
        if interrupted { wake?() }
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
        entry.podControl?.finish()
        if entry.handedBack { return .handedBack }
        return entry.stopRequests > 0 ? .stopped : .normal
    }

    /// Marks every running try handed back and kills its process group; pod tries leave their
    /// pods running for another worker to adopt.
    /// - Returns: how many tries were handed back.
    @discardableResult
    func handBackAll() -> Int {
        let (groups, wakes) = entries.mutate { entries -> ([pid_t?], [@Sendable () -> Void]) in
            for key in entries.keys { entries[key]?.handedBack = true }
            return (entries.values.map(\.processGroup), entries.values.compactMap(\.wake))
        }
        detach()
        for wake in wakes { wake() }
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
