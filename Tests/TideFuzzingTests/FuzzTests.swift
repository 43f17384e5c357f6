import Foundation
import Testing
import TideCore

@testable import TideFuzzing

@Suite("Fuzzing the DAG parser and the message decoder")
struct FuzzTests {
    static func corpus() throws -> [String] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/dags")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
        return try files.sorted().map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }
    }

    /// A CI-sized run; `scripts/fuzz` runs 100,000 cases and more.
    @Test(.timeLimit(.minutes(3))) func randomAndMutatedInputsAreAcceptedOrClearlyRejected() throws {
        let corpus = try Self.corpus()
        #expect(corpus.count >= 5)
        let report = Fuzzer(seed: 7, dagCorpus: corpus).run(cases: 3000)
        #expect(report.findings.isEmpty, "\(report.findings.prefix(3).map(\.description).joined(separator: "\n"))")
        #expect(report.cases == 3000)
        // Both outcomes must be reached, or the generator is not exploring.
        #expect(report.accepted > 50)
        #expect(report.rejected > 1000)
    }

    @Test func casesReplayFromTheirSeed() throws {
        let fuzzer = Fuzzer(seed: 99, dagCorpus: try Self.corpus())
        for number in [0, 1, 17, 512] {
            #expect(fuzzer.input(number) == fuzzer.input(number))
        }
        #expect(fuzzer.input(1).text != fuzzer.input(2).text)
    }

    @Test func theCheckerFlagsWhatIsWrong() {
        // A checker that cannot fail proves nothing: each verdict is reachable.
        guard case .accepted = Fuzzer.checkDAG("dag_id: ok\ntasks:\n  - task_id: a\n    bash: 'true'\n") else {
            Issue.record("a valid DAG was not accepted")
            return
        }
        guard case .rejected = Fuzzer.checkDAG("dag_id: [\n") else {
            Issue.record("broken YAML was not rejected")
            return
        }
        guard case .rejected = Fuzzer.checkMessage(#"{"v":1,"ti":-4,"try":1,"queue":"q","dag":"d","task":"t"}"#) else {
            Issue.record("a negative task instance id was not rejected")
            return
        }
        let valid = TaskMessage(taskInstanceId: 3, tryNumber: 1, queue: "q", dagId: "d", taskId: "t").encoded()
        guard case .accepted = Fuzzer.checkMessage(valid) else {
            Issue.record("a valid message was not accepted")
            return
        }
    }

    @Test func mutationsChangeTheInputAndKeepItText() {
        var generator = SeededGenerator(seed: 1)
        let base = "dag_id: a\ntasks:\n  - task_id: b\n    bash: echo hi\n"
        let mutated = (0..<50).map { _ in Mutator.mutate(base, using: &generator) }
        #expect(Set(mutated).count > 40)
        #expect(mutated.contains { $0 != base })
    }
}
