import Foundation
import TideHTTP
import TideScaling
import TideTestSupport

/// Helpers for tests of the HTTP endpoints and the scaling hints.
enum ScalingSupport {
    /// The base URL a process logged when its HTTP server started listening (started with port 0).
    static func listeningURL(of process: TideProcess, logs: @escaping @Sendable () async -> String) async throws
        -> String
    {
        try await Eventually.value("\(process.name) to listen", describe: logs) {
            let output = process.output
            guard let range = output.range(of: #"url=http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression)
            else { return nil }
            return String(output[range].dropFirst("url=".count))
        }
    }

    /// GETs a URL; returns the status and body.
    static func get(_ url: String) async throws -> (status: Int, body: String) {
        try await send("GET", url)
    }

    /// Sends a request without a body; returns the status and body.
    static func send(_ method: String, _ url: String) async throws -> (status: Int, body: String) {
        let client = CurlHTTPClient(name: "test")
        defer { client.close() }
        let response = try await client.request(method, url, timeoutSeconds: 10)
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    /// The body of `/api/v1/scaling` (or `tide scale hints --output json`).
    struct Scaling: Decodable, Sendable {
        var queues: [String: QueueHint]
        var nodePools: [String: NodePoolHint]?
    }

    /// GETs `/api/v1/scaling`; nil while it answers anything but 200.
    static func scaling(_ baseURL: String) async throws -> Scaling? {
        let (status, body) = try await get(baseURL + "/api/v1/scaling")
        guard status == 200 else { return nil }
        return try JSONDecoder().decode(Scaling.self, from: Data(body.utf8))
    }

    /// One sample of a Prometheus exposition.
    struct Sample: Decodable, Sendable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// Parses a Prometheus text exposition with the reference parser (`prometheus_client`), which
    /// rejects malformed text; fails when the parser is not installed.
    static func parseExposition(_ text: String) throws -> [Sample] {
        guard let python = ProcessInfo.processInfo.environment["TIDE_TEST_PYTHON"] else {
            throw ParserMissing()
        }
        let file = NSTemporaryDirectory() + "tide-metrics-\(UUID().uuidString.prefix(8)).txt"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            text = open(sys.argv[1]).read()
            print(json.dumps([{"name": s.name, "labels": s.labels, "value": s.value}
                              for family in text_string_to_metric_families(text) for s in family.samples]))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, file]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problems = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw InvalidExposition(message: problems, text: text) }
        return try JSONDecoder().decode([Sample].self, from: data)
    }

    struct ParserMissing: Error, CustomStringConvertible {
        var description: String {
            "TIDE_TEST_PYTHON (with prometheus-client) is not set: run the tests with scripts/test"
        }
    }

    struct InvalidExposition: Error, CustomStringConvertible {
        var message: String
        var text: String
        var description: String { "invalid Prometheus exposition: \(message)\n\(text)" }
    }

    /// Standalone's worker processes: children of `pid` that run `tide-worker` or `tide worker`,
    /// with the executable each runs.
    static func workers(of pid: Int32) -> [(pid: Int32, executable: String)] {
        children(of: pid).compactMap { child in
            let executable = URL(fileURLWithPath: "/proc/\(child.pid)/exe").resolvingSymlinksInPath().path
            let runsWorker = executable.hasSuffix("/tide-worker") || child.arguments.dropFirst().first == "worker"
            // Standalone asks `tide-worker --version` first (see `WorkerProgram`): not a worker.
            return runsWorker && !child.arguments.contains("--version") ? (child.pid, executable) : nil
        }
    }

    /// Child processes of `pid` with their command lines.
    static func children(of pid: Int32) -> [(pid: Int32, arguments: [String])] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> (pid: Int32, arguments: [String])? in
            guard let child = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.range(of: ")", options: .backwards)
            else { return nil }
            // Fields after the command name: state, ppid, ...
            let fields = stat[close.upperBound...].split(separator: " ")
            guard fields.count > 1, Int32(fields[1]) == pid else { return nil }
            let commandLine = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/cmdline"))) ?? Data()
            return (child, commandLine.split(separator: 0).map { String(decoding: $0, as: UTF8.self) })
        }
    }
}
