import Foundation

/// The span of data a scheduled run covers: `[start, end)`. The run's logical date is `start`.
public struct DataInterval: Sendable, Hashable {
    public var start: Date
    public var end: Date

    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }
}

/// Turns a DAG's schedule, time zone and date range into data intervals, with Airflow 2's rules:
/// a cron run covers `[fire time, next fire time)` and is created once that interval has ended; an
/// interval schedule steps from `start_date`; `@once` is one run at `start_date`.
public struct Timetable: Sendable {
    public let schedule: Schedule
    public let timeZone: TimeZone
    public let startDate: Date?
    public let endDate: Date?

    public init(schedule: Schedule, timeZone: TimeZone, startDate: Date?, endDate: Date?) {
        self.schedule = schedule
        self.timeZone = timeZone
        self.startDate = startDate
        self.endDate = endDate
    }

    // MARK: - Fire times in the DAG's time zone

    /// The next fire time strictly after `instant`.
    public func nextFireTime(after instant: Date) -> Date? {
        switch schedule {
        case .manual, .once, .datasets: return nil
        case .interval(let seconds):
            guard let startDate else { return nil }
            guard instant >= startDate else { return startDate }
            let steps = ((instant.timeIntervalSince(startDate)) / seconds).rounded(.down) + 1
            return startDate.addingTimeInterval(steps * seconds)
        case .cron(let cron):
            let wall = wallTime(of: instant)
            guard let next = cron.next(after: wall) else { return nil }
            return resolve(next, cron: cron, from: instant, wall: wall)
        }
    }

    /// The last fire time strictly before `instant`.
    public func previousFireTime(before instant: Date) -> Date? {
        switch schedule {
        case .manual, .once, .datasets: return nil
        case .interval(let seconds):
            guard let startDate, instant > startDate else { return nil }
            let steps = ((instant.timeIntervalSince(startDate)) / seconds).rounded(.up) - 1
            return startDate.addingTimeInterval(steps * seconds)
        case .cron(let cron):
            let wall = wallTime(of: instant)
            guard let previous = cron.previous(before: wall) else { return nil }
            return resolve(previous, cron: cron, from: instant, wall: wall)
        }
    }

    /// The first fire time at or after `instant`: `instant` itself when the fire time before the
    /// next one is `instant` (as Airflow aligns, so a run shifted by a spring-forward gap, say
    /// 03:30 for a 02:30 schedule, is found from its own time).
    public func alignToNext(_ instant: Date) -> Date? {
        guard let next = nextFireTime(after: instant) else { return nil }
        return previousFireTime(before: next) == instant ? instant : next
    }

    // MARK: - Runs

    /// The data interval of the next automated run after `last` (nil for the first run), or nil when
    /// there is none. With `catchup` false, intervals that ended before the latest complete one are
    /// skipped. The caller creates the run once `isDue(_:now:)`.
    public func nextInterval(after last: DataInterval?, catchup: Bool, now: Date) -> DataInterval? {
        switch schedule {
        case .manual, .datasets:
            return nil
        case .once:
            guard last == nil, let startDate else { return nil }
            return DataInterval(start: startDate, end: startDate)
        case .cron, .interval:
            var start: Date
            if let last {
                start = last.end
            } else {
                guard let startDate, let first = alignToNext(startDate) else { return nil }
                start = first
            }
            if !catchup, let latest = latestCompleteStart(now: now), latest > start {
                start = latest
            }
            guard let end = nextFireTime(after: start) else { return nil }
            if let endDate, start > endDate { return nil }
            return DataInterval(start: start, end: end)
        }
    }

    /// True once a run for `interval` may be created: its interval has ended (for `@once`, started).
    public func isDue(_ interval: DataInterval, now: Date) -> Bool { interval.end <= now }

    /// Every interval whose logical date falls in `[from, to]`, oldest first (for backfills).
    public func intervals(from: Date, to: Date, limit: Int = 10_000) -> [DataInterval] {
        switch schedule {
        case .cron, .interval: collect(from: from, to: to, limit: limit)
        case .manual, .once, .datasets: []
        }
    }

    /// The next `count` logical dates of automated runs after `instant`.
    public func upcomingLogicalDates(after instant: Date, count: Int) -> [Date] {
        switch schedule {
        case .manual, .datasets: return []
        case .once:
            guard let startDate, startDate > instant else { return [] }
            return [startDate]
        case .cron, .interval:
            var dates: [Date] = []
            var cursor = max(instant, (startDate ?? instant).addingTimeInterval(-1))
            while dates.count < count, let next = nextFireTime(after: cursor) {
                if let endDate, next > endDate { break }
                if let startDate, next < startDate {
                    cursor = next
                    continue
                }
                dates.append(next)
                cursor = next
            }
            return dates
        }
    }

    private func collect(from: Date, to: Date, limit: Int) -> [DataInterval] {
        var result: [DataInterval] = []
        let lower = max(from, startDate ?? from)
        guard var start = alignToNext(lower) else { return [] }
        while start <= to, result.count < limit {
            if let endDate, start > endDate { break }
            guard let end = nextFireTime(after: start) else { break }
            result.append(DataInterval(start: start, end: end))
            start = end
        }
        return result
    }

    /// The start of the latest interval that has completely ended by `now`.
    private func latestCompleteStart(now: Date) -> Date? {
        guard let lastEnd = previousFireTime(before: now.addingTimeInterval(1)) else { return nil }
        return previousFireTime(before: lastEnd)
    }

    private func wallTime(of instant: Date) -> CronExpression.WallTime {
        let offset = TimeInterval(timeZone.secondsFromGMT(for: instant))
        return CronExpression.WallTime(date: instant.addingTimeInterval(offset))
    }

    /// The instant of a matching wall time. Fixed-hour schedules follow the wall clock (a time
    /// skipped by DST runs at the shifted instant, a repeated one runs once, at its later
    /// occurrence, after the clocks went back, as Airflow resolves it); schedules covering every
    /// hour keep their spacing by stepping in real time.
    private func resolve(
        _ target: CronExpression.WallTime, cron: CronExpression, from instant: Date, wall: CronExpression.WallTime
    ) -> Date? {
        if cron.coversEveryHour {
            return instant.addingTimeInterval(target.date.timeIntervalSince(wall.date))
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = CronExpression.utc.dateComponents([.year, .month, .day, .hour, .minute], from: target.date)
        guard let first = calendar.date(from: parts) else { return nil }
        let later = first.addingTimeInterval(timeZone.daylightSavingTimeOffset(for: first))
        return later != first && wallTime(of: later).date == target.date ? later : first
    }
}
