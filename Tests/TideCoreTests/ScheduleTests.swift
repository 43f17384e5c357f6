import Foundation
import Testing

@testable import TideCore

private func utc(_ text: String) -> Date {
    guard let date = LocalDate.parse(text, in: TimeZone(identifier: "UTC")!) else {
        fatalError("bad test date \(text)")
    }
    return date
}

private func zone(_ name: String) -> TimeZone { TimeZone(identifier: name)! }

private func timetable(_ schedule: String, _ timeZone: String = "UTC", start: String? = nil, end: String? = nil) throws
    -> Timetable
{
    Timetable(
        schedule: try Schedule.parse(schedule), timeZone: zone(timeZone), startDate: start.map(utc),
        endDate: end.map(utc))
}

/// The fire times after `from`, in UTC ISO form.
private func fires(_ table: Timetable, after from: String, count: Int) -> [String] {
    var result: [String] = []
    var cursor = utc(from)
    while result.count < count, let next = table.nextFireTime(after: cursor) {
        result.append(LocalDate.format(next, in: zone("UTC")))
        cursor = next
    }
    return result
}

@Suite("Cron expressions")
struct CronExpressionTests {
    @Test(arguments: [
        "* * * * *", "*/15 9-17 * * MON-FRI", "0 0 1,15 * *", "0 12 * JAN,jul SUN", "5/10 * * * *", "0 0 * * 7",
        "0 0 ? * 1-5",
    ])
    func validExpressions(_ text: String) throws {
        _ = try CronExpression(text)
    }

    @Test(arguments: [
        ("0 0 * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 4"),
        ("60 * * * *", "minute field '60': '60' is not a number in 0-59"),
        ("*/0 * * * *", "minute field '*/0': step '0' must be a positive number"),
        ("0 5-1 * * *", "hour field '5-1': range 5-1 runs backwards"),
        ("0 0 * * FUNDAY", "day-of-week field 'FUNDAY': 'FUNDAY' is not a number in 0-7 or a name like SUN"),
        ("0 0 30 2 *", "the day-of-month never occurs in the months given (e.g. 30 February)"),
        ("0 0 1,,2 * *", "day-of-month field '1,,2': empty list item"),
    ])
    func invalidExpressionsSayWhatIsWrong(text: String, message: String) {
        #expect(throws: CronError.self) { try CronExpression(text) }
        do { _ = try CronExpression(text) } catch { #expect(error.message == message) }
    }

    @Test(arguments: [
        ("@hourly", "2026-01-01T10:20:00Z", ["2026-01-01T11:00:00Z", "2026-01-01T12:00:00Z"]),
        ("@daily", "2026-01-01T10:20:00Z", ["2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"]),
        ("@weekly", "2026-01-01T10:20:00Z", ["2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"]),
        ("@monthly", "2026-01-31T10:20:00Z", ["2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"]),
        ("@quarterly", "2026-02-10T00:00:00Z", ["2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z"]),
        ("@yearly", "2026-02-10T00:00:00Z", ["2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"]),
        ("@annually", "2026-02-10T00:00:00Z", ["2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"]),
        ("@midnight", "2026-01-01T00:00:00Z", ["2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"]),
    ])
    func presets(preset: String, after: String, expected: [String]) throws {
        #expect(fires(try timetable(preset), after: after, count: 2) == expected)
    }

    @Test func listsRangesStepsAndNames() throws {
        #expect(
            fires(try timetable("*/20 9-10 * * MON-FRI"), after: "2026-01-02T10:30:00Z", count: 4) == [
                "2026-01-02T10:40:00Z", "2026-01-05T09:00:00Z", "2026-01-05T09:20:00Z", "2026-01-05T09:40:00Z",
            ])
    }

    @Test func dayOfMonthOrDayOfWeekWhenBothAreGiven() throws {
        // The 13th, or any Friday (Vixie cron semantics).
        #expect(
            fires(try timetable("0 0 13 * FRI"), after: "2026-02-01T00:00:00Z", count: 3) == [
                "2026-02-06T00:00:00Z", "2026-02-13T00:00:00Z", "2026-02-20T00:00:00Z",
            ])
    }

    @Test func leapYearsAndMonthEnds() throws {
        #expect(
            fires(try timetable("0 0 29 2 *"), after: "2026-03-01T00:00:00Z", count: 2) == [
                "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z",
            ])
        #expect(
            fires(try timetable("0 0 31 * *"), after: "2026-04-01T00:00:00Z", count: 3) == [
                "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z",
            ])
        #expect(
            fires(try timetable("30 23 28-31 2 *"), after: "2028-02-27T00:00:00Z", count: 3) == [
                "2028-02-28T23:30:00Z", "2028-02-29T23:30:00Z",
                "2029-02-28T23:30:00Z",
            ])
    }

    @Test func previousFireTimes() throws {
        let table = try timetable("0 6 * * *")
        #expect(table.previousFireTime(before: utc("2026-01-05T06:00:00Z")) == utc("2026-01-04T06:00:00Z"))
        #expect(table.previousFireTime(before: utc("2026-01-05T06:00:01Z")) == utc("2026-01-05T06:00:00Z"))
    }
}

@Suite("Time zones and DST")
struct TimeZoneScheduleTests {
    @Test func newYorkSpringForwardStillRunsOnce() throws {
        // 2026-03-08: 02:00 EST jumps to 03:00 EDT, so 02:30 does not exist that day.
        let fired = fires(try timetable("30 2 * * *", "America/New_York"), after: "2026-03-07T00:00:00Z", count: 3)
        #expect(fired == ["2026-03-07T07:30:00Z", "2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z"])
    }

    @Test func newYorkFallBackDoesNotRunTwice() throws {
        // 2026-11-01: 02:00 EDT falls back to 01:00 EST, so 01:30 happens twice; it runs once, at the
        // second (after the clocks went back), as Airflow's timetable does.
        let fired = fires(try timetable("30 1 * * *", "America/New_York"), after: "2026-10-31T00:00:00Z", count: 3)
        #expect(fired == ["2026-10-31T05:30:00Z", "2026-11-01T06:30:00Z", "2026-11-02T06:30:00Z"])
    }

    @Test func berlinTransitions() throws {
        let spring = fires(try timetable("30 2 * * *", "Europe/Berlin"), after: "2026-03-28T00:00:00Z", count: 3)
        #expect(spring == ["2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"])
        let autumn = fires(try timetable("30 2 * * *", "Europe/Berlin"), after: "2026-10-24T00:00:00Z", count: 3)
        #expect(autumn == ["2026-10-24T00:30:00Z", "2026-10-25T01:30:00Z", "2026-10-26T01:30:00Z"])
    }

    @Test func seoulHasNoDST() throws {
        let fired = fires(try timetable("0 9 * * *", "Asia/Seoul"), after: "2026-03-07T00:00:00Z", count: 3)
        #expect(fired == ["2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z", "2026-03-10T00:00:00Z"])
    }

    @Test func hourlySchedulesKeepTheirSpacingAcrossDST() throws {
        let spring = fires(try timetable("0 * * * *", "America/New_York"), after: "2026-03-08T05:30:00Z", count: 3)
        #expect(spring == ["2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z"])
        let autumn = fires(try timetable("0 * * * *", "America/New_York"), after: "2026-11-01T04:30:00Z", count: 3)
        #expect(autumn == ["2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z", "2026-11-01T07:00:00Z"])
    }

    @Test func datesAreFormattedInTheDAGZone() {
        #expect(
            LocalDate.format(utc("2026-03-08T07:30:00Z"), in: zone("America/New_York")) == "2026-03-08T03:30:00-04:00")
        #expect(LocalDate.format(utc("2026-03-08T07:30:00Z"), in: zone("UTC")) == "2026-03-08T07:30:00Z")
    }

    @Test func naiveDatesAreReadInTheGivenZone() {
        #expect(LocalDate.parse("2026-01-01", in: zone("America/New_York")) == utc("2026-01-01T05:00:00Z"))
        #expect(LocalDate.parse("2026-07-01T09:30", in: zone("Europe/Berlin")) == utc("2026-07-01T07:30:00Z"))
        #expect(LocalDate.parse("2026-07-01T09:30:00+02:00", in: zone("Asia/Seoul")) == utc("2026-07-01T07:30:00Z"))
        #expect(LocalDate.parse("2026-13-01", in: zone("UTC")) == nil)
        #expect(LocalDate.parse("yesterday", in: zone("UTC")) == nil)
    }
}

@Suite("Data intervals and catchup")
struct TimetableTests {
    @Test func dailyRunsCoverTheDayBeforeAndAreDueWhenItEnds() throws {
        let table = try timetable("@daily", start: "2026-01-01T00:00:00Z")
        let first = try #require(table.nextInterval(after: nil, catchup: true, now: utc("2026-01-10T12:00:00Z")))
        #expect(first == DataInterval(start: utc("2026-01-01T00:00:00Z"), end: utc("2026-01-02T00:00:00Z")))
        #expect(table.isDue(first, now: utc("2026-01-02T00:00:00Z")))
        #expect(!table.isDue(first, now: utc("2026-01-01T23:59:59Z")))
        let second = try #require(table.nextInterval(after: first, catchup: true, now: utc("2026-01-10T12:00:00Z")))
        #expect(second.start == first.end)
    }

    @Test func withoutCatchupOnlyTheLatestCompleteIntervalRuns() throws {
        let table = try timetable("@daily", start: "2026-01-01T00:00:00Z")
        let now = utc("2026-01-10T12:00:00Z")
        let first = try #require(table.nextInterval(after: nil, catchup: false, now: now))
        #expect(first == DataInterval(start: utc("2026-01-09T00:00:00Z"), end: utc("2026-01-10T00:00:00Z")))
        let next = try #require(table.nextInterval(after: first, catchup: false, now: now))
        #expect(next.start == utc("2026-01-10T00:00:00Z"))
        #expect(!table.isDue(next, now: now))
    }

    @Test func aStartDateOffTheScheduleAlignsToTheNextFireTime() throws {
        let table = try timetable("0 6 * * *", start: "2026-01-01T07:00:00Z")
        let first = try #require(table.nextInterval(after: nil, catchup: true, now: utc("2026-02-01T00:00:00Z")))
        #expect(first.start == utc("2026-01-02T06:00:00Z"))
    }

    @Test func endDateStopsRuns() throws {
        let table = try timetable("@daily", start: "2026-01-01T00:00:00Z", end: "2026-01-02T00:00:00Z")
        let now = utc("2026-02-01T00:00:00Z")
        let first = try #require(table.nextInterval(after: nil, catchup: true, now: now))
        let second = try #require(table.nextInterval(after: first, catchup: true, now: now))
        #expect(second.start == utc("2026-01-02T00:00:00Z"))
        #expect(table.nextInterval(after: second, catchup: true, now: now) == nil)
    }

    @Test func fixedIntervalsStepFromTheStartDate() throws {
        for text in ["PT15M"] {
            let table = try timetable(text, start: "2026-01-01T10:07:00Z")
            #expect(
                fires(table, after: "2026-01-01T10:30:00Z", count: 2) == [
                    "2026-01-01T10:37:00Z", "2026-01-01T10:52:00Z",
                ])
            let first = try #require(table.nextInterval(after: nil, catchup: true, now: utc("2026-01-02T00:00:00Z")))
            #expect(first == DataInterval(start: utc("2026-01-01T10:07:00Z"), end: utc("2026-01-01T10:22:00Z")))
        }
    }

    @Test func onceRunsOnceAtTheStartDate() throws {
        let table = try timetable("@once", start: "2026-01-05T00:00:00Z")
        let only = try #require(table.nextInterval(after: nil, catchup: false, now: utc("2026-02-01T00:00:00Z")))
        #expect(only.start == utc("2026-01-05T00:00:00Z"))
        #expect(table.nextInterval(after: only, catchup: false, now: utc("2026-02-01T00:00:00Z")) == nil)
    }

    @Test func backfillIntervalsAreOldestFirstAndCounted() throws {
        let table = try timetable("0 0 * * *", start: "2026-01-01T00:00:00Z")
        let intervals = table.intervals(from: utc("2026-01-03T00:00:00Z"), to: utc("2026-01-07T00:00:00Z"))
        #expect(intervals.count == 5)
        #expect(intervals.first?.start == utc("2026-01-03T00:00:00Z"))
        #expect(intervals.last?.start == utc("2026-01-07T00:00:00Z"))
        #expect(zip(intervals, intervals.dropFirst()).allSatisfy { $0.end == $1.start })
    }

    @Test(arguments: [
        ("PT15M", 900.0), ("PT1H30M", 5400), ("P1D", 86_400), ("P2W", 1_209_600), ("P1DT12H", 129_600), ("pt30s", 30),
    ])
    func isoDurations(text: String, seconds: Double) {
        #expect(ISODuration.seconds(text) == seconds)
    }

    @Test(arguments: ["P1M", "P1Y", "PT", "P", "15M", "PT1.5"])
    func isoDurationsWithoutAFixedLengthAreRejected(text: String) {
        #expect(ISODuration.seconds(text) == nil)
    }
}
