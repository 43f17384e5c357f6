import CProcessSpawn
import Foundation
import TideBlocking

/// A task's process: started by ``start(path:arguments:environment:niceness:)`` as the leader of
/// a process group of its own, with its standard output and error merged on one pipe.
///
/// Spawning waits for the child to `exec`, so it runs on a thread of its own; reading the output
/// and waiting for the end hold no thread at all (``DescriptorReadiness``).
struct SpawnedProcess: Sendable {
    /// Why a process did not start.
    struct StartError: Error, CustomStringConvertible {
        var path: String
        var code: Int32
        var description: String { "\(path): \(String(cString: strerror(code)))" }
    }

    /// How a process ended.
    enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
        /// Reaped by someone else: how it ended cannot be known.
        case unknown
    }

    /// The process id, which is also its process group's.
    let pid: pid_t
    private let output: Int32

    private static let spawner = BlockingThread(name: "tide-spawn")

    /// Starts `path` (a full path: no `PATH` search here) with `environment` as its whole
    /// environment. `niceness`, when given, is set on the process group at once.
    static func start(
        path: String, arguments: [String], environment: [String: String], niceness: Int32?
    ) async throws -> SpawnedProcess {
        let entries = environment.map { "\($0.key)=\($0.value)" }
        return try await spawner.run { () throws -> SpawnedProcess in
            var pipe: [Int32] = [-1, -1]
            guard tide_output_pipe(&pipe) == 0 else { throw StartError(path: path, code: errno) }
            let argv = CStrings([path] + arguments)
            let envp = CStrings(entries)
            var pid: pid_t = 0
            let code = tide_spawn_process(&pid, path, pipe[1], argv.pointers, envp.pointers)
            close(pipe[1])
            guard code == 0 else {
                close(pipe[0])
                throw StartError(path: path, code: code)
            }
            if let niceness { _ = setpriority(__priority_which_t(PRIO_PGRP.rawValue), id_t(pid), niceness) }
            return SpawnedProcess(pid: pid, output: pipe[0])
        }
    }

    /// Reads the output until its end (when the process and every child holding the pipe have
    /// closed it), giving each piece to `body` as it comes; closes the pipe.
    func readOutput(_ body: ([UInt8]) async -> Void) async {
        var armed = false
        defer {
            DescriptorReadiness.shared.forget(output, armed: armed)
            close(output)
        }
        // Not zeroed: every byte handed on was just written by `read`.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let count = read(output, buffer.baseAddress, buffer.count)
            if count > 0 {
                await body(Array(buffer[..<count]))
            } else if count == 0 {
                return
            } else if errno == EAGAIN {
                guard await DescriptorReadiness.shared.readable(output, armed: &armed) else { return }
            } else if errno != EINTR {
                return
            }
        }
    }

    /// Waits for the process to end and reaps it.
    func termination() async -> Termination {
        if let ended = reap() { return ended }
        let descriptor = tide_process_descriptor(pid)
        var armed = false
        defer {
            if descriptor >= 0 {
                DescriptorReadiness.shared.forget(descriptor, armed: armed)
                close(descriptor)
            }
        }
        var watchable = descriptor >= 0
        var pause = Duration.milliseconds(1)
        while true {
            if let ended = reap() { return ended }
            if watchable { watchable = await DescriptorReadiness.shared.readable(descriptor, armed: &armed) }
            if !watchable {
                // No process descriptor (Linux before 5.3) to wait on: look again after a while.
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(50))
            }
        }
    }

    private func reap() -> Termination? {
        var code: Int32 = 0
        var signal: Int32 = 0
        switch tide_reap_process(pid, &code, &signal) {
        case 1: return signal == 0 ? .exited(code) : .signaled(signal)
        case 0: return nil
        default:
            return errno == EINTR ? nil : .unknown
        }
    }
}

/// NUL-terminated copies of strings, in the `char *const[]` form `posix_spawn` takes, freed on deinit.
private final class CStrings {
    let pointers: [UnsafeMutablePointer<CChar>?]

    init(_ strings: [String]) {
        pointers = strings.map { strdup($0) } + [nil]
    }

    deinit {
        for pointer in pointers { free(pointer) }
    }
}
