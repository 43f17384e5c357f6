import Foundation
import Logging
import TideCore
import TideKube

/// Runs a `kubernetes_pod` try in a pod and follows it to the end (Airflow's
/// KubernetesPodOperator): creates the pod, or reattaches to the try's pod when one exists
/// (the try was adopted from a dead worker), streams its log into the task log while it runs,
/// turns its end into the try's outcome, and cleans up as `on_finish` says.
///
/// One try costs no thread: the pod's status comes from a watch and its log from a followed
/// stream, both on the client's shared libcurl multi handle.
struct PodRunner: Sendable {
    /// How the try ended.
    struct Result: Sendable {
        enum Ending: Sendable, Equatable {
            case succeeded
            case failed
            case skipped
            /// The pod was left running for another worker (``PodControl/detach``).
            case detached
        }
        var ending: Ending
        var exitCode: Int?
        /// The main container's termination message (a `kubernetes_pod` task's return value).
        var terminationMessage: String? = nil
        /// What to do with the pod once the result is recorded (delete it or mark it finished).
        var cleanUp: (@Sendable () async -> Void)? = nil
    }

    let client: KubeClient
    let nodePools: [String: NodePool]
    let defaultNamespace: String
    let logger: Logger
    /// How long to wait for the end of the log once the pod has finished. Default 10 s.
    var logDrainSeconds = 10.0
    /// Whether to read the Secrets a pod's environment comes from, to mask their values in its log.
    var masksSecretValues = true
    /// `kubernetes.pod_defaults`, under the pool's and the task's own settings.
    var podDefaults = PodDefaults()

    /// Events that drive a try, merged from the watch, the log stream, timers and the worker.
    enum Event: Sendable {
        case pod(PodStatus?)
        case deadline(Deadline)
        case control(PodControl)
        case logEnded
        case followFailed(String)
    }

    /// A time limit that has passed.
    enum Deadline: Sendable {
        /// `startup_timeout`: the container must have started by now.
        case startup
        /// `execution_timeout`: the pod must have finished by now.
        case execution
        /// The pod finished this long ago and its log has still not ended.
        case logDrain
    }

    /// - Parameters:
    ///   - recordPod: stores the pod's `namespace/name` with the try before the pod is created;
    ///     false when the try is no longer this worker's (nothing is created then).
    ///   - controls: stop or detach requests from the worker.
    ///   - log: where the pod's output, its history and Tide's notices go.
    ///   - onStatus: given each status of the pod as it is watched (the worker records its milestones).
    func run(
        _ task: KubernetesPodTask, identity: PodIdentity, executionTimeoutSeconds: Double?,
        controls: AsyncStream<PodControl>, log: TryLogWriter, recordPod: @Sendable (String) async -> Bool,
        onStatus: @escaping @Sendable (PodStatus) async -> Void = { _ in }
    ) async -> Result {
        let namespace = task.namespace ?? defaultNamespace
        if masksSecretValues { await maskSecretValues(of: task, namespace: namespace, in: log) }
        func finish(_ ending: Result.Ending, exitCode: Int? = nil, notice: String? = nil) -> Result {
            if let notice { log.notice(notice) }
            return Result(ending: ending, exitCode: exitCode)
        }
        let pod: PodStatus
        let attached: Bool
        do {
            let selector = Self.selector(for: identity)
            if let existing = try await client.pods(namespace: namespace, labelSelector: selector).pods.first {
                pod = existing
                attached = true
                guard await recordPod("\(namespace)/\(existing.name)") else {
                    return finish(.failed, notice: "the try is no longer this worker's; not reattached")
                }
                log.notice(
                    "reattached to pod \(namespace)/\(existing.name) (\(existing.phase)), created by an earlier worker")
            } else {
                let manifest: JSONValue
                do {
                    manifest = try PodSpecBuilder.build(
                        task, identity: identity, nodePools: nodePools, defaultNamespace: defaultNamespace,
                        suffix: Self.randomSuffix(), defaults: podDefaults)
                } catch {
                    return finish(.failed, notice: "cannot build the pod: \(error)")
                }
                let name = manifest[path: "metadata", "name"]?.string ?? ""
                guard await recordPod("\(namespace)/\(name)") else {
                    return finish(.failed, notice: "the try is no longer this worker's; no pod created")
                }
                pod = try await create(manifest, name: name, namespace: namespace, identity: identity)
                attached = false
                log.notice("pod \(namespace)/\(name) created")
            }
        } catch {
            return finish(.failed, notice: "cannot create the pod: \(error)")
        }
        var podLogger = logger
        podLogger[metadataKey: "pod.name"] = "\(namespace)/\(pod.name)"
        let startedAt = attached ? (pod.createdAt ?? Date()) : Date()
        let milestones = LockedBox(PodMilestones(created: startedAt, createdHere: !attached))
        let outcome = await follow(
            pod, namespace: namespace, task: task, startedAt: startedAt,
            executionTimeoutSeconds: executionTimeoutSeconds,
            controls: controls, log: log, logger: podLogger
        ) { status in
            milestones.mutate { $0.observe(status, at: Date()) }
            await onStatus(status)
        }
        return await settle(
            outcome, pod: pod.name, namespace: namespace, task: task, log: log, milestones: milestones.value,
            logger: podLogger)
    }

    /// Creates the pod. A create retried after its answer was lost meets 409 AlreadyExists: if
    /// the pod of that name is this try's, it is the one created.
    private func create(_ manifest: JSONValue, name: String, namespace: String, identity: PodIdentity) async throws
        -> PodStatus
    {
        do {
            return try await client.createPod(manifest, namespace: namespace)
        } catch let error as KubeAPIError where error.isConflict {
            guard let existing = try await client.pod(namespace: namespace, name: name),
                identity.labels.allSatisfy({ existing.labels[$0.key] == $0.value })
            else { throw error }
            return existing
        }
    }

    /// Labels that select this try's pod, unless it was marked finished.
    static func selector(for identity: PodIdentity) -> String {
        (identity.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } + ["!\(PodRunner.finishedLabel)"])
            .joined(separator: ",")
    }

    /// Put on a pod once its try has taken its result, so a later adopter never reattaches to it.
    static let finishedLabel = "tide.io/finished"

    static func randomSuffix() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<6).map { _ in alphabet.randomElement() ?? "x" })
    }
}
