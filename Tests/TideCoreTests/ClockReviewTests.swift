import Testing

@testable import TideCore

@Suite("tide doctor's clock review")
struct ClockReviewTests {
    @Test func skewIsOKThenAWarningThenAnErrorAndSaysWhichWay() {
        let near = ClockReview.finding(skewSeconds: 0.004, of: "this machine's")
        #expect(near.severity == .ok)
        #expect(near.message == "this machine's clock is within 0.0 s of PostgreSQL's")
        let ahead = ClockReview.finding(skewSeconds: 3.256, of: "worker w on h's")
        #expect(ahead.severity == .warning)
        #expect(ahead.message == "worker w on h's clock is 3.26 s ahead of PostgreSQL's")
        #expect(ahead.fix?.contains("NTP") == true)
        let behind = ClockReview.finding(skewSeconds: -31, of: "this machine's")
        #expect(behind.severity == .error)
        #expect(behind.message == "this machine's clock is 31.0 s behind PostgreSQL's")
    }

    @Test func workersInTimeShareOneLineAndEachLateOneHasItsOwn() {
        #expect(ClockReview.findings(workers: []).isEmpty)
        let fine = ClockReview.findings(workers: [("a", 0.2), ("b", -0.5)])
        #expect(fine.map(\.severity) == [.ok])
        #expect(fine.first?.message == "the clocks of 2 live worker(s) are within 0.5 s of PostgreSQL's")
        let mixed = ClockReview.findings(workers: [("a", 0.2), ("b", -40), ("c", 5)])
        #expect(mixed.map(\.severity) == [.error, .warning])
        #expect(mixed.first?.message == "worker b's clock is 40.0 s behind PostgreSQL's")
    }
}
