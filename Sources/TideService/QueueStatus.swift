import TideCore
import TidePostgres
import TideScaling

/// One queue as operators see it: Redis depth, tries queued and running, the live workers that
/// serve it, and the scaling hint. What `/api/v2/queues` and the web UI show.
public struct QueueStatus: Sendable, Hashable {
    public var name: String
    /// Messages in the Redis queue; nil when Redis cannot be read.
    public var depth: Int?
    public var queued: Int
    public var running: Int
    public var oldestQueuedAt: Double?
    public var liveWorkers: Int
    public var slots: Int
    public var slotsUsed: Int
    /// The published hint for the queue, if the scheduler has one.
    public var hint: QueueHint?
}

extension TideService {
    /// Every queue that has work, live workers or a hint, by name.
    /// - Parameters:
    ///   - report: the latest scaling report, if any.
    ///   - liveWorkers: the workers that count as live.
    public func queueStatuses(report: ScalingReport?, liveWorkers: [WorkerStore.WorkerRecord]) async throws
        -> [QueueStatus]
    {
        let loads = try await taskInstances.queueLoads()
        var names = Set(loads.map(\.queue)).union(liveWorkers.flatMap(\.queues))
        names.formUnion(report?.queues.keys.map { $0 } ?? [])
        let depths = try? await queueDepths(names.sorted())
        return names.sorted().map { name in
            let load = loads.first { $0.queue == name }
            let serving = liveWorkers.filter { $0.queues.contains(name) }
            return QueueStatus(
                name: name, depth: depths?[name], queued: load?.queued ?? 0, running: load?.running ?? 0,
                oldestQueuedAt: load?.oldestQueuedAt, liveWorkers: serving.count,
                slots: serving.map(\.slots).reduce(0, +), slotsUsed: serving.map(\.running).reduce(0, +),
                hint: report?.queues[name])
        }
    }
}
