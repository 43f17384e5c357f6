import Foundation
import Testing

@testable import TideCore

@Suite("Retry delays")
struct RetryPolicyTests {
    private let logicalDate = Date(timeIntervalSince1970: 1_767_225_600)

    private func task(_ delay: Double, backoff: Bool, max: Double? = nil, id: String = "t") -> TaskSpec {
        TaskSpec(
            taskId: id, retryDelaySeconds: delay, kind: .bash("true"), retryExponentialBackoff: backoff,
            maxRetryDelaySeconds: max)
    }

    @Test func withoutBackoffTheDelayIsFixed() {
        for tryNumber in 1...5 {
            #expect(
                RetryPolicy.delaySeconds(
                    for: task(30, backoff: false), dagId: "d", logicalDate: logicalDate, tryNumber: tryNumber) == 30)
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func backoffDoublesWithJitterBelowTheNextStep(tryNumber: Int) {
        let base = 10 * pow(2, Double(tryNumber - 1))
        let delay = RetryPolicy.delaySeconds(
            for: task(10, backoff: true), dagId: "d", logicalDate: logicalDate, tryNumber: tryNumber)
        #expect(delay >= base && delay < 2 * base, "try \(tryNumber): \(delay) not in [\(base), \(2 * base))")
    }

    @Test func jitterIsDeterministicButSpreadsTasks() {
        let once = RetryPolicy.delaySeconds(
            for: task(60, backoff: true), dagId: "d", logicalDate: logicalDate, tryNumber: 3)
        let again = RetryPolicy.delaySeconds(
            for: task(60, backoff: true), dagId: "d", logicalDate: logicalDate, tryNumber: 3)
        #expect(once == again)
        let spread = Set(
            (0..<20).map {
                RetryPolicy.delaySeconds(
                    for: task(60, backoff: true, id: "t\($0)"), dagId: "d", logicalDate: logicalDate, tryNumber: 3)
            })
        #expect(spread.count > 10)
    }

    @Test func maxRetryDelayCapsTheBackoff() {
        let delay = RetryPolicy.delaySeconds(
            for: task(60, backoff: true, max: 300), dagId: "d", logicalDate: logicalDate, tryNumber: 10)
        #expect(delay == 300)
    }

    @Test func aZeroDelayBacksOffFromOneSecond() {
        let delay = RetryPolicy.delaySeconds(
            for: task(0, backoff: true), dagId: "d", logicalDate: logicalDate, tryNumber: 1)
        #expect(delay >= 1 && delay < 2)
    }

    @Test func backoffSettingsAreReadFromDAGFiles() throws {
        let dag = try DAGParser.parse(
            yaml: """
                dag_id: d
                default_args: {retry_exponential_backoff: true, max_retry_delay: 10m}
                tasks:
                  - task_id: a
                    retry_delay: 30s
                    bash: echo
                  - task_id: b
                    retry_exponential_backoff: false
                    bash: echo
                """, file: "d.yaml")
        #expect(dag.task("a")?.retryExponentialBackoff == true)
        #expect(dag.task("a")?.maxRetryDelaySeconds == 600)
        #expect(dag.task("b")?.retryExponentialBackoff == false)
    }
}
