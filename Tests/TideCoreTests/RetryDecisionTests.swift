import Foundation
import Testing

@testable import TideCore

@Suite("Retry decision")
struct RetryDecisionTests {
    @Test func successAndSkipEndTheTaskWhateverTriesAreLeft() {
        #expect(
            RetryDecision.decide(outcome: .success, tryNumber: 1, maxTries: 3, delaySeconds: 60) == .finish(.success))
        #expect(
            RetryDecision.decide(outcome: .skipped, tryNumber: 1, maxTries: 3, delaySeconds: 60) == .finish(.skipped))
    }

    @Test func aFailureWithTriesLeftWaitsTheDelayAndTheLastFailureFails() {
        let first = RetryDecision.decide(outcome: .failed, tryNumber: 1, maxTries: 3, delaySeconds: 300)
        #expect(first == .retry(afterSeconds: 300, extraTry: false))
        #expect(first.state == .upForRetry && first.retryAfterSeconds == 300 && !first.extraTry)
        #expect(
            RetryDecision.decide(outcome: .failed, tryNumber: 2, maxTries: 3, delaySeconds: 300)
                == .retry(afterSeconds: 300, extraTry: false))
        let last = RetryDecision.decide(outcome: .failed, tryNumber: 3, maxTries: 3, delaySeconds: 300)
        #expect(last == .finish(.failed))
        #expect(last.retryAfterSeconds == nil)
        #expect(
            RetryDecision.decide(outcome: .failed, tryNumber: 1, maxTries: 1, delaySeconds: 300) == .finish(.failed))
    }

    @Test func aHandedBackTryRetriesAtOnceWithoutUsingARetry() {
        for tryNumber in 1...3 {
            let decision = RetryDecision.decide(
                outcome: .handedBack, tryNumber: tryNumber, maxTries: 1, delaySeconds: 300)
            #expect(decision == .retry(afterSeconds: 0, extraTry: true))
            #expect(decision.extraTry)
        }
    }

    @Test func aNegativeDelayIsNoDelay() {
        #expect(
            RetryDecision.decide(outcome: .failed, tryNumber: 1, maxTries: 2, delaySeconds: -5)
                == .retry(afterSeconds: 0, extraTry: false))
    }

    /// The rescue of a dead worker's try decides with the same rule and the task's own delay (back-off
    /// included), never "retry at once".
    @Test func theRescueOfALostTryHonoursRetryDelayAndBackOff() throws {
        let task = TaskSpec(
            taskId: "t", retries: 3, retryDelaySeconds: 120, kind: .bash("true"), retryExponentialBackoff: true)
        let logicalDate = Date(timeIntervalSince1970: 1_764_000_000)
        for tryNumber in 1...3 {
            let delay = RetryPolicy.delaySeconds(for: task, dagId: "d", logicalDate: logicalDate, tryNumber: tryNumber)
            let decision = RetryDecision.decide(
                outcome: .failed, tryNumber: tryNumber, maxTries: 4, delaySeconds: delay)
            let base = 120 * pow(2, Double(tryNumber - 1))
            let seconds = try #require(decision.retryAfterSeconds)
            #expect(seconds >= base && seconds < 2 * base)
            #expect(!decision.extraTry)
        }
        #expect(
            RetryDecision.decide(outcome: .failed, tryNumber: 4, maxTries: 4, delaySeconds: 960) == .finish(.failed))
    }
}
