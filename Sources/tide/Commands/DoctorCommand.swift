import ArgumentParser
import Foundation
import TideCommandLine
import TideCore

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check an installation: services, Kubernetes access and rights, clocks, DAGs, capacity settings.",
        discussion: """
            Reaches PostgreSQL (and compares clocks with it), Redis and the Kubernetes API (asking, with
            SelfSubjectAccessReviews, for the rights pod tasks need); lists DAG import errors; checks the
            capacity settings against each other and against the live workers and node pools. Each
            finding says what to change. Exit 1 when any is an error.
            """)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingErrors {
            let context = try CommandContext(try global.configuration())
            let findings = await DoctorProbes(context: context).all()
            print(Self.render(findings))
            if findings.contains(where: { $0.severity == .error }) { throw ExitCode(1) }
        }
    }

    static func render(_ findings: [DoctorFinding]) -> String {
        var table = TextTable(["", "check", "finding"])
        for finding in findings {
            let mark =
                switch finding.severity {
                case .ok: "ok"
                case .warning: "WARNING"
                case .error: "ERROR"
                }
            // One line per finding: a driver's message (libpq's) may hold line breaks and tabs.
            let message = finding.message.split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            table.add([mark, finding.check, message])
            if let fix = finding.fix, finding.severity != .ok { table.add(["", "", "→ \(fix)"]) }
        }
        let errors = findings.filter { $0.severity == .error }.count
        let warnings = findings.filter { $0.severity == .warning }.count
        return table.rendered
            + "\n\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
    }
}
