import Foundation
import Testing

@testable import TideCore

/// Tide's cron timetable against Airflow's own (`CronDataIntervalTimetable` of Airflow 3.3.2),
/// across DST changes: the data intervals Airflow gives from `earliest` (and up to `latest`, as a
/// backfill), kept as test data by `scripts/airflow-reference/cron_timetable.py`.
@Suite("Cron schedules across DST, as Airflow computes them")
struct AirflowCronReferenceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var expression: String
        var timezone: String
        var earliest: String
        var latest: String?
        var intervals: [[String]]

        var testDescription: String {
            "\(expression) in \(timezone) from \(earliest)" + (latest.map { " to \($0)" } ?? "")
        }
    }

    static let utc = TimeZone(secondsFromGMT: 0) ?? .current

    static let cases: [Case] = {
        guard
            let url = Bundle.module.url(
                forResource: "airflow-cron-dst", withExtension: "json", subdirectory: "Fixtures"),
            let data = try? Data(contentsOf: url), let root = try? JSONValue.decode(Array(data)),
            let items = root["cases"]?.array
        else { return [] }
        return items.compactMap { item in
            guard let expression = item["expression"]?.string, let zone = item["timezone"]?.string,
                let earliest = item["earliest"]?.string, let intervals = item["intervals"]?.array
            else { return nil }
            return Case(
                expression: expression, timezone: zone, earliest: earliest, latest: item["latest"]?.string,
                intervals: intervals.map { ($0.array ?? []).compactMap(\.string) })
        }
    }()

    @Test func theReferenceDataIsThere() {
        #expect(Self.cases.count >= 10)
    }

    @Test(arguments: cases)
    func intervalsMatchAirflows(_ reference: Case) throws {
        let zone = try #require(TimeZone(identifier: reference.timezone))
        let earliest = try #require(LocalDate.parse(reference.earliest, in: zone))
        let latest = reference.latest.flatMap { LocalDate.parse($0, in: zone) }
        let timetable = Timetable(
            schedule: try Schedule.parse(reference.expression), timeZone: zone, startDate: earliest, endDate: latest)
        var produced: [[String]] = []
        var last: DataInterval?
        let far = Date(timeIntervalSince1970: 4_102_444_800)  // 2100: every interval has ended
        while produced.count < max(reference.intervals.count, 1) + 1,
            let next = timetable.nextInterval(after: last, catchup: true, now: far)
        {
            produced.append([LocalDate.format(next.start, in: Self.utc), LocalDate.format(next.end, in: Self.utc)])
            last = next
            if latest == nil, produced.count == reference.intervals.count { break }
        }
        let expected = reference.intervals.map { $0.map { $0.replacingOccurrences(of: "+00:00", with: "Z") } }
        #expect(produced == expected)
        // A backfill of the same range (`tide dags backfill --from --to`) finds the same runs.
        if let latest {
            let backfill = Timetable(
                schedule: try Schedule.parse(reference.expression), timeZone: zone, startDate: nil, endDate: nil)
            let found = backfill.intervals(from: earliest, to: latest).map {
                [LocalDate.format($0.start, in: Self.utc), LocalDate.format($0.end, in: Self.utc)]
            }
            #expect(found == expected)
        }
    }
}

/// Date values in templates as Airflow 3.3.2 renders them (`scripts/airflow-reference/template_dates.py`).
@Suite("Template dates, as Airflow renders them")
struct AirflowTemplateDateTests {
    @Test func datesRenderAsAirflowRendersThem() throws {
        let url = try #require(
            Bundle.module.url(forResource: "airflow-template-dates", withExtension: "json", subdirectory: "Fixtures"))
        let cases = try #require(try JSONValue.decode(Array(Data(contentsOf: url)))["cases"]?.array)
        #expect(cases.count == 3)
        for reference in cases {
            let logical = try #require(reference["logical_date"]?.string.flatMap(Self.instant))
            let start = try #require(reference["data_interval_start"]?.string.flatMap(Self.instant))
            let end = try #require(reference["data_interval_end"]?.string.flatMap(Self.instant))
            let context = TemplateContext(
                dagId: "d", taskId: "t", runId: "r", runType: "manual", tryNumber: 1, logicalDate: logical,
                dataIntervalStart: start, dataIntervalEnd: end)
            let rendered = try TemplateRenderer.render(try #require(reference["template"]?.string), context: context)
            #expect(rendered == reference["rendered"]?.string)
        }
    }

    /// `2026-03-10T12:34:56.123456+00:00` to the microsecond (ISO8601DateFormatter keeps milliseconds).
    static func instant(_ text: String) -> Date? {
        guard let dot = text.firstIndex(of: ".") else {
            return LocalDate.parse(text, in: AirflowCronReferenceTests.utc)
        }
        let zone = text[dot...].firstIndex { $0 == "+" || $0 == "-" } ?? text.endIndex
        guard let whole = LocalDate.parse(String(text[..<dot] + text[zone...]), in: AirflowCronReferenceTests.utc),
            let fraction = Double("0" + text[dot..<zone])
        else { return nil }
        return whole.addingTimeInterval(fraction)
    }
}
