import Clocks
import Logging
import Testing
import TideCore

@testable import TideScheduler

/// The maintenance loops on a test clock: time moves only when the test says so.
@Suite("Maintenance loops")
struct MaintenanceLoopTests {
    /// Each run of a job, as the job reports it.
    private struct Runs: Sendable {
        let stream: AsyncStream<Int>
        let continuation: AsyncStream<Int>.Continuation
        let count = LockedBox(0)

        init() { (stream, continuation) = AsyncStream.makeStream(of: Int.self) }

        @Sendable func record() {
            continuation.yield(
                count.mutate {
                    $0 += 1; return $0
                })
        }
    }

    private let logger = Logger(label: "test")

    @Test func aJobRunsAtOnceThenEachTimeItsIntervalPasses() async throws {
        let clock = TestClock()
        let runs = Runs()
        let loop = MaintenanceLoop(
            jobs: [
                MaintenanceJob(name: "tick", interval: .seconds(5)) {
                    runs.record(); return nil
                }
            ], clock: clock,
            logger: logger)
        let task = Task { await loop.run() }
        var reported = runs.stream.makeAsyncIterator()
        #expect(await reported.next() == 1)
        await clock.advance(by: .seconds(4))
        #expect(runs.count.value == 1)
        await clock.advance(by: .seconds(1))
        #expect(await reported.next() == 2)
        await clock.advance(by: .seconds(5))
        #expect(await reported.next() == 3)
        task.cancel()
        await task.value
    }

    @Test func aJobMayAskToRunSoonerThanItsInterval() async throws {
        let clock = TestClock()
        let runs = Runs()
        let loop = MaintenanceLoop(
            jobs: [
                MaintenanceJob(name: "due", interval: .seconds(60)) {
                    runs.record()
                    return .seconds(2)
                }
            ], clock: clock, logger: logger)
        let task = Task { await loop.run() }
        var reported = runs.stream.makeAsyncIterator()
        #expect(await reported.next() == 1)
        await clock.advance(by: .seconds(2))
        #expect(await reported.next() == 2)
        task.cancel()
        await task.value
    }

    @Test func aSlowJobHoldsUpNoOtherJob() async throws {
        let clock = TestClock()
        let runs = Runs()
        let stuck = LockedBox(0)
        let loop = MaintenanceLoop(
            jobs: [
                MaintenanceJob(name: "stuck", interval: .seconds(1)) {
                    stuck.mutate { $0 += 1 }
                    // Waits for ever (until cancelled), as a job stuck on a lock or a dead network would.
                    try await clock.sleep(for: .seconds(1_000_000))
                    return nil
                },
                MaintenanceJob(name: "tick", interval: .seconds(1)) {
                    runs.record(); return nil
                },
            ], clock: clock, logger: logger)
        let task = Task { await loop.run() }
        var reported = runs.stream.makeAsyncIterator()
        #expect(await reported.next() == 1)
        for expected in 2...5 {
            await clock.advance(by: .seconds(1))
            #expect(await reported.next() == expected)
        }
        #expect(stuck.value == 1)
        // Cancellation reaches the stuck job where it waits: the loop ends.
        task.cancel()
        await task.value
    }

    @Test func aFailingJobIsRetriedWithBackOffAndTheOthersCarryOn() async throws {
        struct Broken: Error {}
        let clock = TestClock()
        let attempts = Runs()
        let loop = MaintenanceLoop(
            jobs: [
                MaintenanceJob(name: "flaky", interval: .seconds(30)) {
                    attempts.record()
                    if attempts.count.value < 3 { throw Broken() }
                    return nil
                }
            ], clock: clock, logger: logger)
        let task = Task { await loop.run() }
        var reported = attempts.stream.makeAsyncIterator()
        #expect(await reported.next() == 1)
        // The first failure is retried after 200 ms, the second after 400 ms, not after 30 s.
        await clock.advance(by: .milliseconds(200))
        #expect(await reported.next() == 2)
        await clock.advance(by: .milliseconds(400))
        #expect(await reported.next() == 3)
        // Succeeded: back to its interval.
        await clock.advance(by: .seconds(29))
        #expect(attempts.count.value == 3)
        await clock.advance(by: .seconds(1))
        #expect(await reported.next() == 4)
        task.cancel()
        await task.value
    }
}
