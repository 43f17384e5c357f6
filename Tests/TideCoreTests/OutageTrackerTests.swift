import Testing

@testable import TideCore

@Suite("Outage logging")
struct OutageTrackerTests {
    @Test func anOutageIsReportedOnceWhenItStartsAndOnceWhenItEnds() {
        var tracker = OutageTracker()
        let start = ContinuousClock.now
        #expect(tracker.succeeded(at: start) == nil)
        #expect(tracker.failed(at: start) == true)
        #expect(tracker.failed(at: start + .seconds(1)) == false)
        #expect(tracker.failed(at: start + .seconds(2)) == false)
        let ended = tracker.succeeded(at: start + .seconds(61))
        #expect(ended?.duration == .seconds(61))
        #expect(ended?.attempts == 3)
        #expect(tracker.lastRecovery == start + .seconds(61))
        #expect(tracker.succeeded(at: start + .seconds(62)) == nil)
        #expect(tracker.failed(at: start + .seconds(70)) == true)
    }

    @Test func backOffGrowsToItsCap() {
        var tracker = OutageTracker()
        #expect(tracker.backoff() == .milliseconds(200))
        for _ in 0..<3 { _ = tracker.failed() }
        #expect(tracker.backoff() == .milliseconds(600))
        for _ in 0..<100 { _ = tracker.failed() }
        #expect(tracker.backoff() == .seconds(5))
    }

    @Test func aTrackerMayCountItsCreationAsARecovery() {
        #expect(OutageTracker().lastRecovery == nil)
        #expect(OutageTracker(startingAfterOutage: true).lastRecovery != nil)
    }
}
