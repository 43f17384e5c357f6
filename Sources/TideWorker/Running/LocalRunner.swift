import Foundation
import Subprocess
import SystemPackage
import TideCore

/// Runs a task as a local subprocess in its own process group.
///
/// Output (stdout and stderr merged, in order) is kept up to a cap. On `execution_timeout` the
/// whole group gets SIGTERM, then SIGKILL after ``killGraceSeconds``, so children the task
/// started die with it.
struct LocalRunner: Sendable {
    /// How a process ended.
    struct Result: Sendable {
        var exitCode: Int32?
        var signal: Int32?
        var timedOut = false
        var log: LogBuffer
    }

    var logMaxBytes: Int
    /// Whether ``Result/log`` keeps the output; a caller that takes it through `onOutput` need not.
    var keepsOutput = true
    var killGraceSeconds: Double = 5
    /// Finds programs named without a folder; nil leaves the search to the spawn.
    var lookup: ExecutableLookup?
    /// Niceness the task's process group gets as soon as it exists (nil: the worker's own), so
    /// that on a busy machine tasks wait for the CPU, not Tide's own processes.
    var niceness: Int32?

    /// - Parameters:
    ///   - onStart: called with the process group id once the process exists.
    ///   - onOutput: also given each piece of output as it comes (`tide tasks run` echoes it).
    func run(
        kind: TaskKind, environment: [String: String], timeoutSeconds: Double?, onStart: @Sendable (pid_t) -> Void,
        onOutput: (@Sendable ([UInt8]) async -> Void)? = nil
    ) async -> Result {
        let executable: Executable
        let arguments: [String]
        switch kind {
        case .empty:
            return Result(exitCode: 0, log: LogBuffer(capBytes: logMaxBytes))
        case .kubernetesPod:
            return launchFailure(
                "kubernetes_pod tasks run in pods, not as local processes")
        case .sensor:
            return launchFailure("a sensor runs its checks, not a process of its own")
        case .bash(let script):
            executable = .path("/bin/sh")
            arguments = ["-c", script]
        case .command(let argv):
            guard let program = argv.first else { return launchFailure("empty command") }
            if program.contains("/") {
                executable = .path(FilePath(program))
            } else if let lookup, let searchPath = environment["PATH"] {
                guard let found = lookup.path(of: program, searchPath: searchPath) else {
                    return launchFailure(
                        "failed to start: '\(program)' is not an executable file in PATH (\(searchPath))")
                }
                executable = .path(FilePath(found))
            } else {
                executable = .name(program)
            }
            arguments = Array(argv.dropFirst())
        }
        var options = PlatformOptions()
        options.processGroupID = 0
        var keys: [Environment.Key: String] = [:]
        for (name, value) in environment {
            if let key = Environment.Key(rawValue: name) { keys[key] = value }
        }
        let cap = logMaxBytes
        let keepsOutput = keepsOutput
        let grace = killGraceSeconds
        let timedOut = LockedBox(false)
        do {
            let outcome = try await Subprocess.run(
                executable, arguments: Arguments(arguments), environment: .custom(keys), platformOptions: options,
                input: .none, output: .sequence, error: .combinedWithOutput
            ) { execution -> LogBuffer in
                let group = execution.processIdentifier.value
                if let niceness { _ = setpriority(__priority_which_t(PRIO_PGRP.rawValue), id_t(group), niceness) }
                onStart(group)
                return try await withThrowingTaskGroup(of: LogBuffer?.self) { tasks in
                    tasks.addTask {
                        var buffer = LogBuffer(capBytes: cap)
                        for try await chunk in execution.standardOutput {
                            let bytes = chunk.withUnsafeBytes { Array($0) }
                            if keepsOutput { buffer.append(bytes) }
                            await onOutput?(bytes)
                        }
                        return buffer
                    }
                    if let timeoutSeconds {
                        tasks.addTask {
                            try await Task.sleep(for: .seconds(timeoutSeconds))
                            // Set before the kill: the output ends as soon as the group dies.
                            timedOut.mutate { $0 = true }
                            ProcessGroup.kill(group, signal: SIGTERM)
                            try await Task.sleep(for: .seconds(grace))
                            ProcessGroup.kill(group, signal: SIGKILL)
                            return nil
                        }
                    }
                    while let piece = try await tasks.next() {
                        if let buffer = piece {
                            tasks.cancelAll()
                            return buffer
                        }
                    }
                    return LogBuffer(capBytes: cap)
                }
            }
            var result = Result(log: outcome.closureResult)
            switch outcome.terminationStatus {
            case .exited(let code): result.exitCode = code
            case .signaled(let signal): result.signal = signal
            }
            result.timedOut = timedOut.value
            if result.timedOut, let timeoutSeconds {
                result.log.appendNotice(
                    "execution_timeout of \(formatSeconds(timeoutSeconds)) reached: process group killed")
            } else if let signal = result.signal {
                result.log.appendNotice("process killed by signal \(signal)")
            }
            return result
        } catch {
            if case .command(let argv) = kind, let program = argv.first, !program.contains("/"),
                let searchPath = environment["PATH"]
            {
                lookup?.forget(program, searchPath: searchPath)
            }
            return launchFailure("failed to start: \(error)")
        }
    }

    private func launchFailure(_ message: String) -> Result {
        var log = LogBuffer(capBytes: logMaxBytes)
        log.appendNotice(message)
        return Result(exitCode: nil, signal: nil, log: log)
    }
}

func formatSeconds(_ seconds: Double) -> String {
    seconds.rounded() == seconds ? "\(Int(seconds))s" : "\(seconds)s"
}
