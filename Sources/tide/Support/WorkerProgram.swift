import Foundation
import TideCore

/// What `tide standalone` runs as a worker process: `tide-worker` when it sits next to this
/// executable and reports the same version (the executable worker replicas run, which maps far
/// less code: an idle one is about 5 MiB smaller), else this executable's `worker` command.
/// Installed side by side, both come from one build; in a build folder, build both (`swift
/// build`, or `--product tide-worker` too, as `scripts/demo` does), or an older `tide-worker` of
/// the same version would run.
struct WorkerProgram: Sendable {
    let executable: URL
    /// The arguments before the worker's options: `["worker"]` for `tide`, none for `tide-worker`.
    let command: [String]

    /// The program for worker processes started by the executable at `tide`.
    static func find(besides tide: URL, version: String = TideVersion.current) async -> WorkerProgram {
        let lean = tide.deletingLastPathComponent().appendingPathComponent("tide-worker")
        if FileManager.default.isExecutableFile(atPath: lean.path), await reportedVersion(of: lean) == version {
            return WorkerProgram(executable: lean, command: [])
        }
        return WorkerProgram(executable: tide, command: ["worker"])
    }

    /// What `executable --version` prints, trimmed; nil if it cannot run, fails, or takes longer
    /// than `timeout` (it is then killed).
    static func reportedVersion(of executable: URL, timeout: Duration = .seconds(10)) async -> String? {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["--version"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return nil
        }
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            process.terminate()
        }
        defer { watchdog.cancel() }
        return await withCheckedContinuation { continuation in
            // Reading to the end and waiting block: on a thread of their own, not the cooperative pool.
            Thread.detachNewThread {
                let data = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                continuation.resume(returning: process.terminationStatus == 0 ? text : nil)
            }
        }
    }
}
