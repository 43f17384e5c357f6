import Foundation
import Logging
import TideCore
import TideKube

extension PodRunner {
    /// Turns how the pod ended into the try's result, with the reason in the log, and cleans up
    /// as `on_finish` says (a pod stopped for a timeout or by an operator is always deleted).
    ///
    /// A pod that ran to its end is cleaned up only after the result is recorded (the result's
    /// `cleanUp`): a worker that dies in between leaves a finished pod behind, never a try whose
    /// pod is gone and whose result is lost (which an adopter would run again). A pod that is
    /// stopped is deleted at once, so its work ends even if the worker dies next.
    func settle(
        _ outcome: FollowOutcome, pod name: String, namespace: String, task: KubernetesPodTask,
        log: TryLogWriter, milestones: PodMilestones, logger: Logger
    ) async -> Result {
        let place = "\(namespace)/\(name)"
        func note(_ line: String) { log.notice(line) }
        let ending: Result.Ending
        var exitCode: Int?
        let delete: Bool
        switch outcome {
        case .detached:
            note("left pod \(place) running for another worker to adopt")
            return Result(ending: .detached, exitCode: nil)
        case .finished(let pod):
            var reason: String?
            var message: String?
            if case .terminated(let code, let why, let said) = pod.container {
                exitCode = code
                reason = why
                message = said
            }
            let why = reason ?? pod.failureReason
            // A pod whose container never ran (an init container failed) has only the reason.
            let detail: String
            if exitCode == nil, let why {
                detail = why
            } else {
                detail = "exit code \(exitCode.map(String.init) ?? "unknown")\(why.map { " (\($0))" } ?? "")"
            }
            if pod.phase == "Succeeded" {
                ending = .succeeded
                note("pod \(place) succeeded")
            } else if let exitCode, task.skipOnExitCode.contains(exitCode) {
                ending = .skipped
                note("pod \(place) ended with \(detail), listed in skip_on_exit_code: skipped")
            } else {
                ending = .failed
                note("pod \(place) failed: \(detail)")
            }
            await appendHistory(
                of: name, namespace: namespace, milestones: milestones, ending: "\(pod.phase), \(detail)",
                events: ending != .failed || task.logEventsOnFailure, to: log)
            let delete =
                switch task.onFinish {
                case .deletePod: true
                case .deleteSucceededPod: ending == .succeeded
                case .keepPod: false
                }
            let client = client
            return Result(ending: ending, exitCode: exitCode, terminationMessage: message) {
                do {
                    if delete {
                        try await client.deletePod(namespace: namespace, name: name)
                    } else {
                        try await client.labelPod(
                            namespace: namespace, name: name, labels: [Self.finishedLabel: "true"])
                    }
                } catch {
                    logger.warning("cannot clean up the pod after its try", metadata: ["error": "\(error)"])
                }
            }
        case .deleted:
            note("pod \(place) was deleted before it finished")
            return Result(ending: .failed, exitCode: nil)
        case .startupTimedOut(let pod):
            ending = .failed
            var why = pod?.unschedulableMessage ?? ""
            if case .waiting(let reason, let message)? = pod?.container {
                why = reason + (message.map { ": \($0)" } ?? "")
            }
            note(
                "pod \(place) did not start within startup_timeout (\(formatSeconds(task.startupTimeoutSeconds)))"
                    + (why.isEmpty ? "" : ": \(why)"))
            await appendEvents(of: name, namespace: namespace, to: log)
            delete = task.onFinish != .keepPod
        case .executionTimedOut:
            ending = .failed
            note("execution_timeout reached: deleting pod \(place)")
            delete = true
        case .stopped:
            ending = .failed
            note("deleting pod \(place): the task instance is no longer running")
            delete = true
        case .lostTrack(let message):
            ending = .failed
            note("lost track of pod \(place): \(message)")
            delete = task.onFinish != .keepPod
        }
        do {
            if delete {
                try await client.deletePod(namespace: namespace, name: name)
            } else {
                try await client.labelPod(namespace: namespace, name: name, labels: [Self.finishedLabel: "true"])
            }
        } catch {
            logger.warning("cannot clean up the pod", metadata: ["error": "\(error)"])
            note("cannot \(delete ? "delete" : "mark") pod \(place): \(error)")
        }
        return Result(ending: ending, exitCode: exitCode)
    }

    /// The pod's steps with their times (as this worker watched them), then its events: what a
    /// user needs to see where the time went (scheduling, a node-pool scale-up, the image pull).
    private func appendHistory(
        of name: String, namespace: String, milestones: PodMilestones, ending: String, events withEvents: Bool,
        to log: TryLogWriter
    ) async {
        let events = await events(of: name, namespace: namespace, log: log)
        let scaleUpPrefix = "Normal TriggeredScaleUp: "
        let scaleUp = events.first { $0.hasPrefix(scaleUpPrefix) }.map {
            String($0.dropFirst(scaleUpPrefix.count)).replacingOccurrences(of: "pod triggered scale-up: ", with: "")
        }
        log.notice("history of pod \(namespace)/\(name) (UTC, seconds since it was created):")
        for line in milestones.lines(ending: ending, scaleUp: scaleUp) { log.notice("  \(line)") }
        if withEvents { append(events, of: name, namespace: namespace, to: log) }
    }

    /// The pod's events, oldest first; none (and a line in the log saying why) when they cannot be read.
    private func events(of name: String, namespace: String, log: TryLogWriter) async -> [String] {
        do {
            return try await client.podEvents(namespace: namespace, name: name)
        } catch {
            log.notice("cannot read the pod's events: \(error)")
            return []
        }
    }

    private func append(_ events: [String], of name: String, namespace: String, to log: TryLogWriter) {
        guard !events.isEmpty else { return }
        log.notice("events of pod \(namespace)/\(name):")
        for line in events { log.notice("  \(line)") }
    }

    private func appendEvents(of name: String, namespace: String, to log: TryLogWriter) async {
        append(await events(of: name, namespace: namespace, log: log), of: name, namespace: namespace, to: log)
    }
}
