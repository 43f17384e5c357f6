import Foundation
import Testing

@testable import TideAPI

@Suite("Airflow's date-times")
struct AirflowDateTests {
    @Test(
        "ISO 8601 in, with or without offset, fraction or time",
        arguments: [
            ("2026-12-02T03:04:05Z", 1_796_180_645.0),
            ("2026-12-02T03:04:05.250Z", 1_796_180_645.25),
            ("2026-12-02T05:04:05+02:00", 1_796_180_645.0),
            ("2026-12-02T05:04:05+0200", 1_796_180_645.0),
            ("2026-12-02T01:04:05-02:00", 1_796_180_645.0),
            ("2026-12-02T03:04:05", 1_796_180_645.0),
            ("2026-12-02 03:04:05", 1_796_180_645.0),
            ("2026-12-02T05:04:05 02:00", 1_796_180_645.0),
            ("2026-12-02", 1_796_169_600.0),
            ("2026-12-02T03:04Z", 1_796_180_640.0),
        ])
    func parses(text: String, seconds: Double) {
        #expect(AirflowDate.parse(text) == seconds)
    }

    @Test(
        "anything else is refused",
        arguments: [
            "", "yesterday", "2026-13-01", "2026-02-30T00:00:00Z", "2026-12-02T25:00:00Z", "2026-12-02T03:04:05+25:00",
            "2026-12-02T03:04:05Zjunk", "2026-12-02T", "12/02/2026", "2026-12-02T03:04:05.Z",
        ])
    func refuses(text: String) {
        #expect(AirflowDate.parse(text) == nil)
    }

    @Test("UTC out, microseconds only when there are some, and back again")
    func formats() {
        #expect(AirflowDate.format(1_796_180_645) == "2026-12-02T03:04:05Z")
        #expect(AirflowDate.format(1_796_180_645.123456) == "2026-12-02T03:04:05.123456Z")
        for seconds in [0.0, 1_796_180_645.5, 4_102_444_799.999999] {
            let text = AirflowDate.format(seconds)
            #expect(abs((AirflowDate.parse(text) ?? -1) - seconds) < 0.000_01, "\(text)")
        }
    }
}
