import Foundation
import TideBlocking
import TideCore
import TideHTTP

/// Runs a sensor's try on the worker: checks its condition (a command's exit code, a file, a URL)
/// until it holds, or its timeout passes; in reschedule mode it checks once and, when the
/// condition does not hold yet, ends the try for a later one (the slot is free meanwhile).
struct SensorRunner {
    /// The sensor, its templates rendered.
    var sensor: SensorTask
    var environment: [String: String]
    var runner: LocalRunner
    var log: TryLogWriter
    /// Spreads the back-off jitter of many sensors (DAG, task, logical date).
    var key: String
    /// In reschedule mode: how long ago the first check started (earlier tries), and how many were made.
    var sensingForSeconds: Double?
    var pokesBefore: Int

    /// How the try ended: the outcome, the last check's exit code (for a command), and for
    /// `rescheduled` the seconds until the next check.
    struct Ending: Sendable {
        var outcome: TryOutcome
        var exitCode: Int32?
        var nextCheckSeconds: Double?
    }

    func run(onStart: @escaping @Sendable (pid_t) -> Void, interruptions: Interruptions) async -> Ending {
        // Poke mode times one try; reschedule mode the whole wait, from its first check.
        let started = Date().timeIntervalSince1970 - (sensor.mode == .reschedule ? sensingForSeconds ?? 0 : 0)
        var pokes = pokesBefore
        // Blocking calls (curl, glob) run on threads of their own, never on the cooperative pool.
        let http = sensor.check.needsHTTP ? CurlHTTPClient(name: "sensor") : nil
        let files = sensor.check.needsFiles ? BlockingThread(name: "tide-sensor-files") : nil
        defer {
            http?.close()
            files?.shutdown()
        }
        while true {
            pokes += 1
            let (holds, exitCode) = await check(http: http, files: files, onStart: onStart)
            if holds {
                log.notice("sensor: the condition holds (check \(pokes))")
                return Ending(outcome: .success, exitCode: exitCode, nextCheckSeconds: nil)
            }
            if interruptions.isInterrupted() {
                return Ending(outcome: .failed, exitCode: exitCode, nextCheckSeconds: nil)
            }
            let elapsed = Date().timeIntervalSince1970 - started
            switch SensorTiming.next(after: sensor, pokeCount: pokes, elapsedSeconds: elapsed, key: key) {
            case .timedOut:
                log.notice(
                    "sensor: timed out after \(Self.seconds(elapsed)) (timeout \(Self.seconds(sensor.timeoutSeconds)), \(pokes) checks)"
                        + (sensor.softFail ? "; skipped (soft_fail)" : ""))
                return Ending(
                    outcome: sensor.softFail ? .skipped : .sensorTimedOut, exitCode: exitCode, nextCheckSeconds: nil)
            case .checkAgain(let seconds):
                if sensor.mode == .reschedule {
                    log.notice("sensor: not yet (check \(pokes)); rescheduled, next check in \(Self.seconds(seconds))")
                    return Ending(outcome: .rescheduled, exitCode: exitCode, nextCheckSeconds: seconds)
                }
                log.notice("sensor: not yet (check \(pokes)); next check in \(Self.seconds(seconds))")
                if await interruptions.wait(seconds: seconds) {
                    return Ending(outcome: .failed, exitCode: exitCode, nextCheckSeconds: nil)
                }
            }
        }
    }

    /// One check: whether the condition holds, and a command's exit code.
    private func check(
        http: CurlHTTPClient?, files: BlockingThread?, onStart: @escaping @Sendable (pid_t) -> Void
    ) async -> (Bool, Int32?) {
        switch sensor.check {
        case .bash(let script): return await command(.bash(script), onStart: onStart)
        case .command(let argv): return await command(.command(argv), onStart: onStart)
        case .file(let pattern):
            let found = (try? await files?.run { Self.matches(pattern) }) ?? []
            if found.isEmpty {
                log.notice("sensor: no file matches \(pattern)")
                return (false, nil)
            }
            log.notice(
                "sensor: found \(found.prefix(3).joined(separator: ", "))\(found.count > 3 ? " and \(found.count - 3) more" : "")"
            )
            return (true, nil)
        case .http(let check):
            guard let http else { return (false, nil) }
            do {
                let response = try await http.request("GET", check.url, timeoutSeconds: min(60, sensor.timeoutSeconds))
                guard (200..<300).contains(response.status) else {
                    log.notice("sensor: GET \(check.url) answered \(response.status)")
                    return (false, nil)
                }
                if let wanted = check.responseContains, !response.text.contains(wanted) {
                    log.notice("sensor: GET \(check.url) answered \(response.status) without '\(wanted)'")
                    return (false, nil)
                }
                log.notice("sensor: GET \(check.url) answered \(response.status)")
                return (true, nil)
            } catch {
                log.notice("sensor: GET \(check.url) failed: \(error)")
                return (false, nil)
            }
        case .externalTask:
            // Checked by the scheduler; a worker never gets one.
            log.notice("sensor: an external_task sensor is checked by the scheduler, not a worker")
            return (false, nil)
        }
    }

    private func command(_ kind: TaskKind, onStart: @escaping @Sendable (pid_t) -> Void) async -> (Bool, Int32?) {
        let result = await runner.run(
            kind: kind, environment: environment, timeoutSeconds: sensor.timeoutSeconds, onStart: onStart,
            onOutput: { bytes in await log.write(bytes) })
        for line in result.log.notices { log.notice(line) }
        return (result.exitCode == 0, result.exitCode)
    }

    /// Paths matching a path or glob pattern.
    static func matches(_ pattern: String) -> [String] {
        var found = glob_t()
        defer { globfree(&found) }
        guard glob(pattern, 0, nil, &found) == 0 else { return [] }
        return (0..<Int(found.gl_pathc)).compactMap { index in
            found.gl_pathv[index].map { String(cString: $0) }
        }
    }

    static func seconds(_ value: Double) -> String {
        value < 120 ? "\(Int(value.rounded())) s" : "\(Int((value / 60).rounded())) min"
    }

    /// How a sensor waiting between checks hears that its try was stopped or handed back.
    struct Interruptions: Sendable {
        var isInterrupted: @Sendable () -> Bool
        /// Sets what wakes the waiting try (nil: nothing).
        var onInterrupt: @Sendable ((@Sendable () -> Void)?) -> Void

        /// Waits `seconds`; true when interrupted first.
        func wait(seconds: Double) async -> Bool {
            let (stream, continuation) = AsyncStream<Void>.makeStream()
            onInterrupt { continuation.yield() }
            defer { onInterrupt(nil) }
            return await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    for await _ in stream { return true }
                    return false
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(seconds))
                    return false
                }
                let first = await group.next() ?? false
                group.cancelAll()
                continuation.finish()
                return first
            }
        }
    }
}

extension SensorCheck {
    var needsHTTP: Bool {
        if case .http = self { return true }
        return false
    }

    var needsFiles: Bool {
        if case .file = self { return true }
        return false
    }
}
