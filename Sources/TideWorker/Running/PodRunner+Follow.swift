import Foundation
import Logging
import TideCore
import TideKube

extension PodRunner {
    /// How following a pod ended.
    enum FollowOutcome: Sendable {
        case finished(PodStatus)
        /// Someone else deleted the pod before it finished.
        case deleted
        /// Still Pending (unschedulable, scaling up, pulling) after `startup_timeout`.
        case startupTimedOut(PodStatus?)
        case executionTimedOut
        case stopped
        case detached
        case lostTrack(String)
    }

    /// Watches the pod, streams its log once the container has started, and checks the
    /// timeouts, until the pod finishes (and its log has ended) or the worker intervenes.
    func follow(
        _ pod: PodStatus, namespace: String, task: KubernetesPodTask, startedAt: Date, executionTimeoutSeconds: Double?,
        controls: AsyncStream<PodControl>, log: TryLogWriter, logger: Logger,
        onStatus: @escaping @Sendable (PodStatus) async -> Void = { _ in }
    ) async -> FollowOutcome {
        let (events, sink) = AsyncStream<Event>.makeStream()
        let name = pod.name
        return await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await PodFollower(client: client).follow(namespace: namespace, name: name) { status in
                        sink.yield(.pod(status))
                        return true
                    }
                } catch is CancellationError {
                } catch {
                    sink.yield(.followFailed("\(error)"))
                }
            }
            // Timers for the limits, measured from `startedAt` (a reattached pod's creation).
            func after(_ seconds: Double, _ deadline: Deadline) {
                group.addTask {
                    let left = seconds - Date().timeIntervalSince(startedAt)
                    if left > 0 { try? await Task.sleep(for: .seconds(left)) }
                    if !Task.isCancelled { sink.yield(.deadline(deadline)) }
                }
            }
            after(task.startupTimeoutSeconds, .startup)
            if let limit = executionTimeoutSeconds { after(limit, .execution) }
            group.addTask {
                for await control in controls { sink.yield(.control(control)) }
            }
            var latest: PodStatus? = pod
            var logStarted = false
            var logEnded = !task.getLogs
            var finished: PodStatus?
            var outcome: FollowOutcome?
            for await event in events {
                switch event {
                case .pod(let status):
                    guard let status else {
                        outcome = finished.map { .finished($0) } ?? .deleted
                        break
                    }
                    latest = status
                    await onStatus(status)
                    if task.getLogs, !logStarted, status.hasStarted {
                        logStarted = true
                        group.addTask {
                            await streamLog(namespace: namespace, name: name, into: log, logger: logger)
                            sink.yield(.logEnded)
                        }
                    }
                    if status.isFinished, finished == nil {
                        finished = status
                        if !logStarted { logEnded = true }
                        if !logEnded {
                            group.addTask {
                                try? await Task.sleep(for: .seconds(logDrainSeconds))
                                if !Task.isCancelled { sink.yield(.deadline(.logDrain)) }
                            }
                        }
                    }
                case .logEnded:
                    logEnded = true
                case .deadline(.execution):
                    if finished == nil { outcome = .executionTimedOut }
                case .deadline(.startup):
                    if finished == nil, latest?.hasStarted != true { outcome = .startupTimedOut(latest) }
                case .deadline(.logDrain):
                    logEnded = true
                case .control(.stop):
                    outcome = .stopped
                case .control(.detach):
                    outcome = .detached
                case .followFailed(let message):
                    outcome = .lostTrack(message)
                }
                if outcome == nil, let finished, logEnded { outcome = .finished(finished) }
                if outcome != nil { break }
            }
            group.cancelAll()
            return outcome ?? .lostTrack("the pod's event stream ended")
        }
    }

    /// Appends the container's output to the log as it comes. A broken stream is opened again
    /// and what was already received is skipped.
    func streamLog(namespace: String, name: String, into log: TryLogWriter, logger: Logger) async {
        var received = 0
        var failures = 0
        while !Task.isCancelled {
            do {
                var skip = received
                let stream = try await client.followLog(
                    namespace: namespace, name: name, container: PodSpecBuilder.containerName)
                for try await chunk in stream {
                    var bytes = chunk[...]
                    if skip > 0 {
                        let dropped = min(skip, bytes.count)
                        bytes = bytes.dropFirst(dropped)
                        skip -= dropped
                    }
                    guard !bytes.isEmpty else { continue }
                    received += bytes.count
                    await log.write(bytes)
                }
                return
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                guard failures <= 5 else {
                    log.notice("the pod's log stream was lost: \(error)")
                    return
                }
                logger.debug("log stream interrupted; opening it again", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(KubeClient.backoff(attempt: failures)))
            }
        }
    }
}
