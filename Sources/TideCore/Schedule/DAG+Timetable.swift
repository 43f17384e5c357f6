import Foundation

extension DAG {
    /// The DAG's time zone: its own `timezone`, else `defaultTimeZone`, else UTC.
    public func effectiveTimeZone(default defaultTimeZone: String) -> TimeZone {
        TimeZone(identifier: timeZone ?? defaultTimeZone) ?? TimeZone(secondsFromGMT: 0) ?? .current
    }

    /// The DAG's timetable, or nil for a manual DAG (or a start date that no longer parses).
    public func timetable(defaultTimeZone: String) -> Timetable? {
        guard schedule.isTimeBased else { return nil }
        let zone = effectiveTimeZone(default: defaultTimeZone)
        guard let start = startDate.flatMap({ LocalDate.parse($0, in: zone) }) else { return nil }
        return Timetable(
            schedule: schedule, timeZone: zone, startDate: start,
            endDate: endDate.flatMap { LocalDate.parse($0, in: zone) })
    }
}
