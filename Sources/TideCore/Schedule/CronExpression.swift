import Foundation

/// A 5-field cron expression: minute, hour, day of month, month, day of week.
///
/// Fields take `*`, numbers, ranges `a-b`, lists `a,b`, steps `*/n`, `a-b/n` and `a/n`, and names
/// for months (`JAN`…`DEC`) and weekdays (`SUN`…`SAT`; 0 and 7 are Sunday). When both day fields
/// are restricted, a day matches if either does (as in Vixie cron and Airflow's croniter).
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    let minutes: Set<Int>
    let hours: Set<Int>
    let days: Set<Int>
    let months: Set<Int>
    let weekdays: Set<Int>
    let daysRestricted: Bool
    let weekdaysRestricted: Bool
    /// The expression as written (normalised spacing).
    public let description: String

    /// True when the hour field allows every hour: such schedules keep a fixed spacing across DST
    /// changes (Airflow computes them in UTC), while fixed-hour schedules follow the wall clock.
    public var coversEveryHour: Bool { hours.count == 24 }

    /// - Throws: ``CronError`` naming the field and what is wrong with it.
    public init(_ text: String) throws(CronError) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw CronError(
                message: "expected 5 fields (minute hour day-of-month month day-of-week), got \(fields.count)")
        }
        minutes = try Self.parse(fields[0], name: "minute", range: 0...59, names: [:])
        hours = try Self.parse(fields[1], name: "hour", range: 0...23, names: [:])
        days = try Self.parse(fields[2], name: "day-of-month", range: 1...31, names: [:])
        months = try Self.parse(fields[3], name: "month", range: 1...12, names: Self.monthNames)
        let rawWeekdays = try Self.parse(fields[4], name: "day-of-week", range: 0...7, names: Self.weekdayNames)
        weekdays = Set(rawWeekdays.map { $0 % 7 })
        daysRestricted = fields[2] != "*" && fields[2] != "?"
        weekdaysRestricted = fields[4] != "*" && fields[4] != "?"
        description = fields.joined(separator: " ")
        guard months.contains(where: { month in days.contains { $0 <= Self.maxDays[month - 1] } }) || weekdaysRestricted
        else {
            throw CronError(message: "the day-of-month never occurs in the months given (e.g. 30 February)")
        }
    }

    static let monthNames = [
        "JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10,
        "NOV": 11, "DEC": 12,
    ]
    static let weekdayNames = ["SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6]
    static let maxDays = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

    private static func parse(
        _ field: String, name: String, range: ClosedRange<Int>, names: [String: Int]
    ) throws(CronError) -> Set<Int> {
        func value(_ text: Substring) throws(CronError) -> Int {
            if let number = Int(text), range.contains(number) { return number }
            if let named = names[text.uppercased()] { return named }
            throw CronError(
                message:
                    "\(name) field '\(field)': '\(text)' is not a number in \(range.lowerBound)-\(range.upperBound)"
                    + (names.isEmpty ? "" : " or a name like \(names.sorted { $0.value < $1.value }.first?.key ?? "")"))
        }
        var result: Set<Int> = []
        for part in field.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw CronError(message: "\(name) field '\(field)': empty list item") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw CronError(message: "\(name) field '\(field)': more than one '/'") }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed > 0 else {
                    throw CronError(message: "\(name) field '\(field)': step '\(pieces[1])' must be a positive number")
                }
                step = parsed
            }
            let base = pieces[0]
            let lower: Int
            let upper: Int
            if base == "*" || base == "?" {
                (lower, upper) = (range.lowerBound, range.upperBound)
            } else if let dash = base.firstIndex(of: "-") {
                lower = try value(base[..<dash])
                upper = try value(base[base.index(after: dash)...])
                guard lower <= upper else {
                    throw CronError(message: "\(name) field '\(field)': range \(base) runs backwards")
                }
            } else {
                lower = try value(base)
                upper = pieces.count == 2 ? range.upperBound : lower
            }
            result.formUnion(stride(from: lower, through: upper, by: step))
        }
        return result
    }

    // MARK: - Matching wall-clock times

    /// A wall-clock time (no time zone): the fields cron matches against.
    struct WallTime: Comparable {
        /// Minutes since 0001-01-01 00:00 in the proleptic Gregorian calendar, as if it were UTC.
        var date: Date

        static func < (a: WallTime, b: WallTime) -> Bool { a.date < b.date }
    }

    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? .current
        return calendar
    }()

    private func dayMatches(_ parts: DateComponents) -> Bool {
        guard let day = parts.day, let weekday = parts.weekday else { return false }
        let dayOK = days.contains(day)
        let weekdayOK = weekdays.contains(weekday - 1)
        switch (daysRestricted, weekdaysRestricted) {
        case (true, true): return dayOK || weekdayOK
        case (true, false): return dayOK
        case (false, true): return weekdayOK
        case (false, false): return true
        }
    }

    /// The first matching wall time strictly after `time`, or nil if none within 10 years.
    func next(after time: WallTime) -> WallTime? {
        let calendar = Self.utc
        guard var t = calendar.date(byAdding: .minute, value: 1, to: calendar.startOfMinute(time.date)) else {
            return nil
        }
        let limit = t.addingTimeInterval(10 * 366 * 86_400)
        while t < limit {
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: t)
            guard let month = parts.month, let hour = parts.hour, let minute = parts.minute else { return nil }
            if !months.contains(month) {
                guard let start = calendar.date(from: DateComponents(year: parts.year, month: month, day: 1)),
                    let following = calendar.date(byAdding: .month, value: 1, to: start)
                else { return nil }
                t = following
            } else if !dayMatches(parts) {
                guard let following = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: t)) else {
                    return nil
                }
                t = following
            } else if !hours.contains(hour) {
                t = calendar.startOfHour(t).addingTimeInterval(3600)
            } else if !minutes.contains(minute) {
                t = t.addingTimeInterval(60)
            } else {
                return WallTime(date: t)
            }
        }
        return nil
    }

    /// The last matching wall time strictly before `time`, or nil if none within 10 years.
    func previous(before time: WallTime) -> WallTime? {
        let calendar = Self.utc
        var t = calendar.startOfMinute(time.date)
        if t == time.date { t = t.addingTimeInterval(-60) }
        let limit = t.addingTimeInterval(-10 * 366 * 86_400)
        while t > limit {
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: t)
            guard let month = parts.month, let hour = parts.hour, let minute = parts.minute else { return nil }
            if !months.contains(month) {
                guard let start = calendar.date(from: DateComponents(year: parts.year, month: month, day: 1)) else {
                    return nil
                }
                t = start.addingTimeInterval(-60)
            } else if !dayMatches(parts) {
                t = calendar.startOfDay(for: t).addingTimeInterval(-60)
            } else if !hours.contains(hour) {
                t = calendar.startOfHour(t).addingTimeInterval(-60)
            } else if !minutes.contains(minute) {
                t = t.addingTimeInterval(-60)
            } else {
                return WallTime(date: t)
            }
        }
        return nil
    }
}

/// A cron expression that cannot be parsed.
public struct CronError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension Calendar {
    func startOfMinute(_ date: Date) -> Date {
        Date(timeIntervalSinceReferenceDate: (date.timeIntervalSinceReferenceDate / 60).rounded(.down) * 60)
    }

    func startOfHour(_ date: Date) -> Date {
        Date(timeIntervalSinceReferenceDate: (date.timeIntervalSinceReferenceDate / 3600).rounded(.down) * 3600)
    }
}
