import Foundation
import TideCore

/// The next run of each scheduled DAG version, computed from its timetable once and kept until
/// that run's logical date has passed: a page of 100 DAGs does not walk 100 cron schedules.
public final class NextRuns: Sendable {
    /// A run's data interval, Unix seconds.
    public struct Interval: Sendable, Hashable {
        public var start: Double
        public var end: Double
    }

    public let defaultTimeZone: String
    private let known = LockedBox<[String: Interval?]>([:])

    public init(defaultTimeZone: String) { self.defaultTimeZone = defaultTimeZone }

    /// The next run's data interval of a DAG version, nil when it has no schedule or no next run.
    public func next(_ dag: DAG, hash: String, now: Date = Date()) -> Interval? {
        let key = dag.dagId + "@" + hash
        if let cached = known.value[key], cached.map({ $0.start > now.timeIntervalSince1970 }) ?? true {
            return cached
        }
        var interval: Interval?
        if let timetable = dag.timetable(defaultTimeZone: defaultTimeZone),
            let start = timetable.upcomingLogicalDates(after: now, count: 1).first
        {
            let end = timetable.nextFireTime(after: start) ?? start
            interval = Interval(start: start.timeIntervalSince1970, end: end.timeIntervalSince1970)
        }
        known.mutate { cache in
            if cache.count > 100_000 { cache.removeAll() }
            cache[key] = .some(interval)
        }
        return interval
    }
}
