import Foundation
import Testing

@testable import TideWorker

@Suite("A task's process: started, read and reaped without a thread of its own")
struct SpawnedProcessTests {
    /// Runs `script` with `sh -c` and returns its merged output and how it ended.
    static func run(
        _ script: String, environment: [String: String] = ["PATH": "/usr/bin:/bin"]
    ) async throws -> (output: String, termination: SpawnedProcess.Termination, pid: pid_t) {
        let process = try await SpawnedProcess.start(
            path: "/bin/sh", arguments: ["-c", script], environment: environment, niceness: nil)
        var output: [UInt8] = []
        await process.readOutput { output += $0 }
        return (String(decoding: output, as: UTF8.self), await process.termination(), process.pid)
    }

    @Test func outputAndErrorArriveMergedInOrderWithTheExitCode() async throws {
        let (output, termination, _) = try await Self.run("echo one; echo two >&2; echo three; exit 3")
        #expect(output == "one\ntwo\nthree\n")
        #expect(termination == .exited(3))
    }

    @Test func aProcessEndedByASignalSaysWhichSignal() async throws {
        let (_, termination, _) = try await Self.run("kill -KILL $$")
        #expect(termination == .signaled(SIGKILL))
    }

    @Test func theEnvironmentIsExactlyTheOneGiven() async throws {
        let (output, _, _) = try await Self.run(
            "/usr/bin/env | /usr/bin/sort", environment: ["ONLY": "this", "AND": "that=too"])
        #expect(output.split(separator: "\n").filter { !$0.hasPrefix("PWD=") } == ["AND=that=too", "ONLY=this"])
    }

    @Test func outputFarLargerThanAPipeIsReadWhole() async throws {
        let (output, termination, _) = try await Self.run("head -c 3000000 /dev/zero | tr '\\0' x")
        #expect(output.utf8.count == 3_000_000)
        #expect(output.utf8.allSatisfy { $0 == UInt8(ascii: "x") })
        #expect(termination == .exited(0))
    }

    @Test func theProcessLeadsAGroupOfItsOwn() async throws {
        let (output, _, pid) = try await Self.run("cut -d' ' -f5 /proc/self/stat")
        #expect(output == "\(pid)\n", "the process group of the task's children is the task's")
    }

    @Test func descriptorsTheWorkerLeftOpenDoNotReachTheTask() async throws {
        let leaked = open("/dev/null", O_RDONLY)  // no O_CLOEXEC, as hiredis opens its socket
        try #require(leaked > 2)
        defer { close(leaked) }
        let (output, _, _) = try await Self.run("[ -e /proc/self/fd/\(leaked) ] && echo open || echo closed")
        #expect(output == "closed\n")
    }

    @Test func signalsTheWorkerIgnoresAreAtTheirDefaultInTheTask() async throws {
        let previous = signal(SIGUSR2, SIG_IGN)
        defer { signal(SIGUSR2, previous) }
        let (output, _, _) = try await Self.run("grep '^SigIgn:' /proc/self/status")
        let mask = try #require(
            UInt64(output.split(separator: "\t").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "", radix: 16)
        )
        #expect(mask & (1 << (UInt64(SIGUSR2) - 1)) == 0, "SIGUSR2 still ignored in the task: \(output)")
    }

    @Test func aProgramThatCannotStartSaysWhy() async throws {
        await #expect {
            _ = try await SpawnedProcess.start(
                path: "/no/such/program", arguments: [], environment: [:], niceness: nil)
        } throws: { error in
            "\(error)" == "/no/such/program: No such file or directory"
        }
    }

    @Test func manyProcessesAtOnceEachEndWithTheirOwnCode() async throws {
        let endings = try await withThrowingTaskGroup(of: (Int, String, SpawnedProcess.Termination).self) { group in
            for index in 0..<60 {
                group.addTask {
                    let (output, termination, _) = try await Self.run(
                        "sleep 0.0$((\(index) % 5)); echo \(index); exit $((\(index) % 7))")
                    return (index, output, termination)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(endings.count == 60)
        for (index, output, termination) in endings {
            #expect(output == "\(index)\n")
            #expect(termination == .exited(Int32(index % 7)))
        }
    }

    @Test func theOutputEndsOnlyWhenEveryProcessHoldingItHasEnded() async throws {
        let started = ContinuousClock.now
        let (output, termination, _) = try await Self.run("(sleep 0.3; echo late) & echo early")
        #expect(output == "early\nlate\n")
        #expect(termination == .exited(0))
        #expect(ContinuousClock.now - started >= .milliseconds(300))
    }

    @Test func aProcessReapedElsewhereEndsAsUnknown() async throws {
        let process = try await SpawnedProcess.start(path: "/bin/true", arguments: [], environment: [:], niceness: nil)
        await process.readOutput { _ in }
        var status: Int32 = 0
        #expect(waitpid(process.pid, &status, 0) == process.pid)
        #expect(await process.termination() == .unknown)
    }

    /// A try whose task is cancelled (the worker stopping it) ends its whole process group, not
    /// only the process it started.
    @Test func aCancelledRunKillsTheTasksWholeGroup() async throws {
        let (lines, line) = AsyncStream.makeStream(of: String.self)
        let runner = LocalRunner(logMaxBytes: 1 << 20)
        let run = Task {
            await runner.run(
                kind: .bash("sleep 30 & echo $!; wait"), environment: ["PATH": "/usr/bin:/bin"], timeoutSeconds: nil,
                onStart: { _ in }, onOutput: { bytes in line.yield(String(decoding: bytes, as: UTF8.self)) })
        }
        var iterator = lines.makeAsyncIterator()
        let printed = try #require(await iterator.next())
        let child = try #require(pid_t(printed.trimmingCharacters(in: .whitespacesAndNewlines)))
        let cancelled = ContinuousClock.now
        run.cancel()
        let result = await run.value
        // Its child holds the output open for 30 s unless it was killed too.
        #expect(ContinuousClock.now - cancelled < .seconds(10))
        #expect(result.signal == SIGKILL)
        #expect(await Self.ended(child), "the task's own child \(child) outlived the cancelled try")
    }

    /// Whether `pid` is gone or a zombie within 5 s (a killed orphan waits for init to reap it).
    static func ended(_ pid: pid_t) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            if stat.split(separator: ")").last?.split(separator: " ").first == "Z" { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}
