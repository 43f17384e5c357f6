import Foundation
import TideCore

/// What `tide standalone` runs as a worker process: `tide-worker` when it sits next to this
/// executable and reports the same version (the executable worker replicas run, which maps far
/// less code: an idle one is about 5 MiB smaller), else this executable's `worker` command.
struct WorkerProgram: Equatable, Sendable {
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

    /// What `executable --version` prints, trimmed; nil if it cannot run or fails.
    static func reportedVersion(of executable: URL) async -> String? {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["--version"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        // Read on the thread that reports the exit, not on the cooperative pool; a version line
        // fits in the pipe's buffer, so the child never waits for the read.
        return await withCheckedContinuation { continuation in
            process.terminationHandler = { process in
                let data = output.fileHandleForReading.readDataToEndOfFile()
                let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                continuation.resume(returning: process.terminationStatus == 0 ? text : nil)
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(returning: nil)
            }
        }
    }
}
