import Foundation
import TideCore

/// Feeds the DAG parser and the queue-message decoder random and mutated inputs, and checks that
/// each input is either accepted (and then survives a round trip) or rejected with a clear error
/// naming where the problem is, within a time limit. A crash ends the process, so the caller is
/// told each input before it runs (`willRun`) and can keep it for a replay.
public struct Fuzzer: Sendable {
    /// What went wrong with one input.
    public struct Finding: Sendable, CustomStringConvertible {
        public var caseNumber: Int
        public var target: String
        public var problem: String
        public var input: String

        public var description: String { "case \(caseNumber) (\(target)): \(problem)\n--- input ---\n\(input)" }
    }

    /// The outcome of a run.
    public struct Report: Sendable {
        public var cases = 0
        public var accepted = 0
        public var rejected = 0
        public var findings: [Finding] = []
        /// The longest single parse or decode, in seconds.
        public var slowestSeconds = 0.0
    }

    public let seed: UInt64
    /// Valid inputs to mutate (e.g. the example DAG files).
    public let dagCorpus: [String]
    /// A parse or decode slower than this is a finding (a hang, in the making).
    public let slowSeconds: Double

    public init(seed: UInt64, dagCorpus: [String], slowSeconds: Double = 1) {
        self.seed = seed
        self.dagCorpus = dagCorpus
        self.slowSeconds = slowSeconds
    }

    /// The input of case `number`, the same for the same seed.
    public func input(_ number: Int) -> (target: String, text: String) {
        var generator = SeededGenerator(seed: seed ^ (UInt64(number) &* 0x9E37_79B9_7F4A_7C15))
        let choice = Int.random(in: 0..<10, using: &generator)
        switch choice {
        case 0..<4:
            let base = dagCorpus.randomElement(using: &generator) ?? InputGenerator.dag(using: &generator)
            return ("dag", Mutator.mutate(base, using: &generator))
        case 4..<6:
            return ("dag", InputGenerator.dag(using: &generator))
        case 6:
            return ("dag", Mutator.mutate(InputGenerator.dag(using: &generator), using: &generator, maximum: 2))
        case 7:
            return ("message", InputGenerator.message(using: &generator))
        default:
            let valid = TaskMessage(taskInstanceId: 7, tryNumber: 2, queue: "default", dagId: "d", taskId: "t")
            let base = Bool.random(using: &generator) ? valid.encoded() : InputGenerator.message(using: &generator)
            return ("message", Mutator.mutate(base, using: &generator))
        }
    }

    /// Runs cases `0..<count` (or until `deadline`).
    public func run(
        cases count: Int, deadline: ContinuousClock.Instant? = nil, willRun: (Int, String) -> Void = { _, _ in }
    ) -> Report {
        var report = Report()
        for number in 0..<count {
            if let deadline, ContinuousClock.now >= deadline { break }
            let (target, text) = input(number)
            willRun(number, text)
            let started = ContinuousClock.now
            let problem = target == "dag" ? Self.checkDAG(text) : Self.checkMessage(text)
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            report.slowestSeconds = max(report.slowestSeconds, seconds)
            report.cases += 1
            switch problem {
            case .accepted: report.accepted += 1
            case .rejected: report.rejected += 1
            case .finding(let description):
                report.findings.append(Finding(caseNumber: number, target: target, problem: description, input: text))
            }
            if seconds > slowSeconds {
                report.findings.append(
                    Finding(
                        caseNumber: number, target: target, problem: "took \(seconds) s (limit \(slowSeconds) s)",
                        input: text))
            }
        }
        return report
    }

    enum Verdict {
        case accepted, rejected
        case finding(String)
    }

    static let file = "fuzz.yaml"

    static func checkDAG(_ text: String) -> Verdict {
        do {
            let dag = try DAGParser.parse(yaml: text, file: file, nodePools: ["pool-1"])
            // What is stored must read back as the same DAG.
            let stored = try JSONEncoder().encode(dag)
            let restored = try JSONDecoder().decode(DAG.self, from: stored)
            return restored == dag ? .accepted : .finding("the DAG changed in a storage round trip")
        } catch let error as DAGFileError {
            let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
            guard !error.issues.isEmpty else { return .finding("rejected with no issue") }
            for issue in error.issues {
                guard issue.file == file else { return .finding("an issue names another file: \(issue)") }
                guard !issue.message.trimmingCharacters(in: .whitespaces).isEmpty else {
                    return .finding("an issue has no message: \(issue)")
                }
                if let line = issue.line, line < 1 || line > lineCount + 1 {
                    return .finding("an issue points at line \(line) of \(lineCount): \(issue)")
                }
            }
            return .rejected
        } catch {
            return .finding("rejected with an unexpected error: \(error)")
        }
    }

    static func checkMessage(_ text: String) -> Verdict {
        do {
            let message = try TaskMessage.decode(text)
            guard message.taskInstanceId > 0, message.tryNumber > 0 else {
                return .finding("accepted a message naming no real try")
            }
            let again = try TaskMessage.decode(message.encoded())
            return again == message ? .accepted : .finding("the message changed in a round trip")
        } catch {
            return error.reason.isEmpty ? .finding("rejected with no reason") : .rejected
        }
    }
}
