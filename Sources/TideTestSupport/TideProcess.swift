import Foundation

/// A real `tide` process started by a test, with its output captured to a file.
public final class TideProcess: @unchecked Sendable {
    // Invariant: `process` is configured before `run()` and afterwards only read through
    // Foundation's thread-safe accessors.
    private let process = Process()
    public let outputPath: String
    public let name: String

    /// The `tide` binary next to the test bundle (SwiftPM builds it into the same folder),
    /// or `TIDE_TEST_BINARY`.
    public static func binaryPath() -> String {
        if let explicit = ProcessInfo.processInfo.environment["TIDE_TEST_BINARY"] { return explicit }
        return builtBinaryPath("tide")
    }

    /// A binary SwiftPM built next to the test bundle, e.g. `tide-kubesim`.
    public static func builtBinaryPath(_ name: String) -> String {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        // Swift Testing may run from inside a `.xctest` bundle folder.
        while folder.pathExtension == "xctest" { folder = folder.deletingLastPathComponent() }
        return folder.appendingPathComponent(name).path
    }

    /// Starts `tide ARGUMENTS` (or another `executable`) with `environment` added to this
    /// process's environment.
    public init(
        _ arguments: [String], environment: [String: String], name: String, executable: String = binaryPath()
    ) throws {
        self.name = name
        outputPath = NSTemporaryDirectory() + "tide-test-\(name)-\(UUID().uuidString.prefix(8)).log"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    /// Everything the process has printed so far.
    public var output: String {
        (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Sends SIGTERM and waits for the exit (SIGKILL after `timeout`).
    public func stop(timeout: Double = 20) async {
        guard process.isRunning else { return }
        signal(SIGTERM)
        do {
            try await Eventually.that("\(name) to exit", timeout: timeout) { !process.isRunning }
        } catch {
            signal(SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Runs `tide ARGUMENTS` to completion and returns its exit status and output.
public func runTide(_ arguments: [String], environment: [String: String]) async throws -> (
    status: Int32, output: String
) {
    let process = try TideProcess(arguments, environment: environment, name: arguments.first ?? "cli")
    try await Eventually.that("tide \(arguments.joined(separator: " ")) to exit", timeout: 60) { !process.isRunning }
    return (process.exitStatus ?? -1, process.output)
}
