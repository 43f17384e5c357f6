import Foundation
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
    /// Finds programs named without a folder.
    var lookup = ExecutableLookup()
    /// Niceness the task's process group gets as soon as it exists (nil: the worker's own), so
    /// that on a busy machine tasks wait for the CPU, not Tide's own processes.
    var niceness: Int32?

    /// Where `execvp` looks for a program when the environment has no `PATH`.
    static let defaultSearchPath = "/bin:/usr/bin"

    /// - Parameters:
    ///   - onStart: called with the process group id once the process exists.
    ///   - onOutput: also given each piece of output as it comes (`tide tasks run` echoes it).
    func run(
        kind: TaskKind, environment: [String: String], timeoutSeconds: Double?, onStart: @Sendable (pid_t) -> Void,
        onOutput: (@Sendable ([UInt8]) async -> Void)? = nil
    ) async -> Result {
        let path: String
        let arguments: [String]
        switch kind {
        case .empty:
            return Result(exitCode: 0, log: LogBuffer(capBytes: logMaxBytes))
        case .kubernetesPod:
            return launchFailure("kubernetes_pod tasks run in pods, not as local processes")
        case .sensor:
            return launchFailure("a sensor runs its checks, not a process of its own")
        case .bash(let script):
            path = "/bin/sh"
            arguments = ["-c", script]
        case .command(let argv):
            guard let program = argv.first else { return launchFailure("empty command") }
            if program.contains("/") {
                path = program
            } else {
                let searchPath = environment["PATH"] ?? Self.defaultSearchPath
                guard let found = lookup.path(of: program, searchPath: searchPath) else {
                    return launchFailure(
                        "failed to start: '\(program)' is not an executable file in PATH (\(searchPath))")
                }
                path = found
            }
            arguments = Array(argv.dropFirst())
        }
        let process: SpawnedProcess
        do {
            process = try await SpawnedProcess.start(
                path: path, arguments: arguments, environment: environment, niceness: niceness)
        } catch {
            if case .command(let argv) = kind, let program = argv.first, !program.contains("/") {
                lookup.forget(program, searchPath: environment["PATH"] ?? Self.defaultSearchPath)
            }
            return launchFailure("failed to start: \(error)")
        }
        let group = process.pid
        onStart(group)
        let timedOut = LockedBox(false)
        let log = await withTaskCancellationHandler {
            await output(of: process, timeoutSeconds: timeoutSeconds, timedOut: timedOut, onOutput: onOutput)
        } onCancel: {
            ProcessGroup.kill(group, signal: SIGKILL)
        }
        var result = Result(log: log)
        switch await process.termination() {
        case .exited(let code): result.exitCode = code
        case .signaled(let signal): result.signal = signal
        case .unknown: result.log.appendNotice("the process's end could not be read (it was reaped elsewhere)")
        }
        result.timedOut = timedOut.value
        if result.timedOut, let timeoutSeconds {
            result.log.appendNotice(
                "execution_timeout of \(formatSeconds(timeoutSeconds)) reached: process group killed")
        } else if let signal = result.signal {
            result.log.appendNotice("process killed by signal \(signal)")
        }
        return result
    }

    /// Reads the process's output to its end, ending the group when `timeoutSeconds` pass first.
    private func output(
        of process: SpawnedProcess, timeoutSeconds: Double?, timedOut: LockedBox<Bool>,
        onOutput: (@Sendable ([UInt8]) async -> Void)?
    ) async -> LogBuffer {
        let cap = logMaxBytes
        let keepsOutput = keepsOutput
        let grace = killGraceSeconds
        let group = process.pid
        return await withTaskGroup(of: LogBuffer?.self) { tasks in
            tasks.addTask {
                var buffer = LogBuffer(capBytes: cap)
                await process.readOutput { bytes in
                    if keepsOutput { buffer.append(bytes) }
                    await onOutput?(bytes)
                }
                return buffer
            }
            if let timeoutSeconds {
                tasks.addTask {
                    do {
                        try await Task.sleep(for: .seconds(timeoutSeconds))
                        // Set before the kill: the output ends as soon as the group dies.
                        timedOut.mutate { $0 = true }
                        ProcessGroup.kill(group, signal: SIGTERM)
                        try await Task.sleep(for: .seconds(grace))
                        ProcessGroup.kill(group, signal: SIGKILL)
                    } catch {
                        // The output ended first: nothing to end.
                    }
                    return nil
                }
            }
            while let piece = await tasks.next() {
                if let buffer = piece {
                    tasks.cancelAll()
                    return buffer
                }
            }
            return LogBuffer(capBytes: cap)
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
