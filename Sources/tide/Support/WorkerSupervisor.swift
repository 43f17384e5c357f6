import Foundation
import Logging
import ServiceLifecycle
import TideCore

/// Runs worker child processes (`tide-worker`, or `tide worker`: see `WorkerProgram`) and keeps
/// their number at a target within `range`: the scaling hint of `tide standalone`. A child that
/// crashes is restarted; a child no longer needed is sent SIGTERM and drains (finishes or hands
/// back its tries within `worker.shutdown_grace`). On shutdown every child is sent SIGTERM and
/// awaited.
final class WorkerSupervisor: Service, Sendable {
    let range: ClosedRange<Int>
    /// The worker's options (`--config`, `--concurrency`), after the program's own command.
    let options: [String]
    /// Added to this process's environment for each child.
    let environment: [String: String]
    /// The workers wanted now; nil keeps the current number (at least the minimum).
    let desired: @Sendable () -> Int?
    let logger: Logger
    private let slots = LockedBox<[Int: Slot]>([:])
    private let stopping = LockedBox(false)

    private struct Slot {
        var process: Process?
        /// Told to stop for a scale-down: not restarted when it exits.
        var retiring = false
    }

    init(
        range: ClosedRange<Int>, options: [String], environment: [String: String] = [:],
        desired: @escaping @Sendable () -> Int? = { nil }, logger: Logger
    ) {
        self.range = range
        self.options = options
        self.environment = environment
        self.desired = desired
        self.logger = logger
    }

    /// Worker processes that are running and not draining.
    var activeCount: Int { slots.value.values.filter { !$0.retiring }.count }

    func run() async throws {
        let program = await WorkerProgram.find(
            besides: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath())
        logger.info("worker processes run \(([program.executable.path] + program.command).joined(separator: " "))")
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                var nextSlot = 0
                while !stopping.value && !Task.isCancelled {
                    let active = activeCount
                    let target = min(range.upperBound, max(range.lowerBound, desired() ?? active))
                    if target > active {
                        if nextSlot > 0 {
                            logger.notice("scaling workers up", metadata: ["from": "\(active)", "to": "\(target)"])
                        }
                        for _ in active..<target {
                            let slot = nextSlot
                            nextSlot += 1
                            slots.mutate { $0[slot] = Slot() }
                            group.addTask { await self.keepRunning(slot: slot, program: program) }
                        }
                    } else if target < active {
                        logger.notice("scaling workers down", metadata: ["from": "\(active)", "to": "\(target)"])
                        retire(active - target)
                    }
                    try? await Task.sleep(for: .seconds(1))
                }
                await group.waitForAll()
            }
        } onGracefulShutdown: {
            self.stopping.mutate { $0 = true }
            for slot in self.slots.value.values { slot.process?.terminate() }
        }
    }

    /// Sends SIGTERM to the `count` newest active workers.
    private func retire(_ count: Int) {
        let processes = slots.mutate { slots in
            slots.filter { !$0.value.retiring }.keys.sorted().suffix(count).map { key in
                slots[key]?.retiring = true
                return slots[key]?.process
            }
        }
        for process in processes { process?.terminate() }
    }

    private func keepRunning(slot: Int, program: WorkerProgram) async {
        var restarts = 0
        while !stopping.value && !Task.isCancelled && slots.value[slot]?.retiring == false {
            let process = Process()
            process.executableURL = program.executable
            process.arguments = program.command + options
            if !environment.isEmpty {
                process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, ours in ours }
            }
            let status: Int32 = await withCheckedContinuation { continuation in
                process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                do {
                    try process.run()
                } catch {
                    logger.error("cannot start worker process", metadata: ["error": "\(error)"])
                    process.terminationHandler = nil
                    continuation.resume(returning: -1)
                    return
                }
                let retiring = slots.mutate { slots in
                    slots[slot]?.process = process
                    return slots[slot]?.retiring ?? true
                }
                // A shutdown or scale-down that began while this child was starting must reach it too.
                if stopping.value || retiring { process.terminate() }
            }
            slots.mutate { $0[slot]?.process = nil }
            if stopping.value || slots.value[slot]?.retiring != false { break }
            restarts += 1
            logger.warning(
                "worker process exited; restarting", metadata: ["worker.slot": "\(slot)", "exit.status": "\(status)"])
            try? await Task.sleep(for: .milliseconds(min(10_000, 500 * restarts)))
        }
        slots.mutate { $0[slot] = nil }
    }
}
