import ArgumentParser
import Foundation
import TideFuzzing

@main
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tide-fuzz",
        abstract: "Fuzz the DAG parser and the queue-message decoder with random and mutated inputs.",
        discussion: """
            Exit 0 when every input was accepted (and survived a round trip) or rejected with a
            clear error in time; 1 with the failing inputs otherwise. A crash or hang leaves the
            input being run in --last-input; --replay N runs one case again.
            """)

    @Option(help: "Number of cases.") var cases = 100_000
    @Option(help: "Seed (the same seed gives the same cases).") var seed: UInt64 = 20_261_130
    @Option(help: "Folder of valid DAG files to mutate.") var corpus = "examples/dags"
    @Option(help: "Where the input being run is written, for a crash or hang.") var lastInput = ".tide/fuzz-last-input"
    @Option(help: "Stop after this many seconds, whatever the count.") var maxSeconds = 600.0
    @Option(help: "Run only this case and print its input.") var replay: Int?

    func run() throws {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: corpus)) ?? []
        let texts = files.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().compactMap {
            try? String(contentsOfFile: (corpus as NSString).appendingPathComponent($0), encoding: .utf8)
        }
        guard !texts.isEmpty else { throw ValidationError("--corpus: no DAG files in '\(corpus)'") }
        let fuzzer = Fuzzer(seed: seed, dagCorpus: texts)
        if let replay {
            let (target, text) = fuzzer.input(replay)
            print("case \(replay) (\(target)):\n\(text)")
            return
        }
        try FileManager.default.createDirectory(
            atPath: (lastInput as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let started = ContinuousClock.now
        let report = fuzzer.run(cases: cases, deadline: started + .seconds(maxSeconds)) { number, text in
            // Written before the case runs: after a crash it names the culprit.
            try? "case \(number)\n\(text)".write(toFile: lastInput, atomically: false, encoding: .utf8)
        }
        try? FileManager.default.removeItem(atPath: lastInput)
        let seconds = (ContinuousClock.now - started).components.seconds
        for finding in report.findings.prefix(20) { print(finding) }
        print(
            "fuzz: \(report.cases) cases (seed \(seed)) in \(seconds) s: \(report.accepted) accepted, "
                + "\(report.rejected) rejected with a clear error, \(report.findings.count) findings; "
                + "slowest \(String(format: "%.1f", report.slowestSeconds * 1000)) ms")
        if !report.findings.isEmpty || report.cases < cases { throw ExitCode.failure }
    }
}
