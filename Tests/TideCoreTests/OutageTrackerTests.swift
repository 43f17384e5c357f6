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
        #expect(ended == .init(duration: .seconds(61), attempts: 3, announced: true))
        #expect(tracker.lastRecovery == start + .seconds(61))
        #expect(tracker.succeeded(at: start + .seconds(62)) == nil)
        #expect(tracker.failed(at: start + .seconds(100)) == true)
    }

    @Test func aBlipRightAfterARecoveryIsTheSameOutagesTail() {
        var tracker = OutageTracker()
        let start = ContinuousClock.now
        _ = tracker.failed(at: start)
        _ = tracker.succeeded(at: start + .seconds(10))
        // An idle connection finds out about the restart ten seconds later: silent if brief.
        #expect(tracker.failed(at: start + .seconds(20)) == false)
        #expect(tracker.succeeded(at: start + .seconds(21))?.announced == false)
        // A new failure that lasts is announced once it has lasted `settle`.
        #expect(tracker.failed(at: start + .seconds(25)) == false)
        #expect(tracker.failed(at: start + .seconds(26)) == false)
        #expect(tracker.failed(at: start + .seconds(27)) == true)
        #expect(tracker.failed(at: start + .seconds(28)) == false)
        #expect(tracker.succeeded(at: start + .seconds(30))?.announced == true)
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
