import Foundation
import Logging
import TideCore
import TidePostgres
import TideRedis

extension WorkerService {
    /// Runs a `kubernetes_pod` or `executor: kubernetes` try with the pod runner.
    /// - Parameter podOf: the pod to run, given the worker's Kubernetes settings.
    /// - Returns: a nil outcome when the pod was left for another worker to adopt.
    func runPod(
        _ podOf: (KubernetesAccess) -> KubernetesPodTask, task: TaskSpec, claimed: TaskInstanceStore.ClaimedTry,
        message: TaskMessage,
        token: RunningTries.Token, log: Logger
    ) async -> (outcome: TryOutcome?, exitCode: Int?, log: TryLogWriter) {
        guard let kubernetes = dependencies.kubernetes else {
            let reason =
                dependencies.kubernetesUnavailable
                ?? "none is configured (set kubernetes.kubeconfig or kubernetes.in_cluster, or run it in a pod)"
            return (.failed, nil, noticeLog("failed to start: this worker has no Kubernetes connection: \(reason)"))
        }
        let pod = {
            var pod = podOf(kubernetes)
            // A kubernetes_pod branch returns its choice as its return value.
            if case .kubernetesPod = task.kind { pod.publishesReturnValue = task.doXcomPush || task.branch }
            return pod
        }()
        let cluster: KubernetesClusters.Opened?
        do {
            cluster = try kubernetes.clusters?.cluster(for: pod)
        } catch {
            return (.failed, nil, noticeLog("failed to start: \(error)"))
        }
        var runner = PodRunner(
            client: cluster?.client ?? kubernetes.client,
            nodePools: Dictionary(kubernetes.nodePools.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }),
            defaultNamespace: cluster?.namespace ?? kubernetes.namespace, logger: log)
        runner.masksSecretValues = kubernetes.masksSecretValues
        runner.podDefaults = kubernetes.podDefaults
        let podIdentity = PodIdentity(
            dagId: claimed.dagId, taskId: claimed.taskId, runId: claimed.runName, tryNumber: message.tryNumber,
            taskInstanceId: message.taskInstanceId)
        let store = tasks
        let workerId = self.identity.id
        let lastProgress = LockedBox<TaskInstanceStore.PodProgress?>(nil)
        let podRunner = runner
        let tryLog = TryLogWriter(capBytes: settings.logMaxBytes)
        let result = await storingLog(tryLog, of: message, log: log) {
            await podRunner.run(
                pod, identity: podIdentity, executionTimeoutSeconds: task.executionTimeoutSeconds,
                controls: running.podControls(token), log: tryLog
            ) { externalId in
                (try? await store.recordPod(
                    externalId, taskInstanceId: message.taskInstanceId, tryNumber: message.tryNumber,
                    workerId: workerId)) ?? false
            } onStatus: { status in
                // Only a change is written: scheduled on a node, the container started, a new waiting reason.
                let progress = TaskInstanceStore.PodProgress(
                    nodeName: status.nodeName, containerStarted: status.hasStarted,
                    waitingReason: status.waitingReason)
                guard
                    lastProgress.mutate({ last in
                        defer { last = progress }
                        return last != progress
                    })
                else { return }
                try? await store.recordPodProgress(
                    progress, taskInstanceId: message.taskInstanceId, tryNumber: message.tryNumber,
                    workerId: workerId)
            }
        }
        if let cleanUp = result.cleanUp { pendingCleanUps.mutate { $0[token] = cleanUp } }
        var outcome: TryOutcome? =
            switch result.ending {
            case .succeeded: .success
            case .skipped: .skipped
            case .failed: .failed
            case .detached: nil
            }
        if outcome == .success, pod.publishesReturnValue {
            outcome = await publishReturnValue(
                result.terminationMessage, task: task, claimed: claimed, message: message, log: tryLog)
        }
        return (outcome, result.exitCode, tryLog)
    }

    /// Stores what a succeeded `kubernetes_pod` try wrote to `/airflow/xcom/return.json` (its
    /// termination message) as its return value (a branch's choice too): a value that is not JSON,
    /// too large, or not what a mapped task expanding over it needs fails the try, with the reason
    /// in its log.
    private func publishReturnValue(
        _ terminationMessage: String?, task: TaskSpec, claimed: TaskInstanceStore.ClaimedTry, message: TaskMessage,
        log: TryLogWriter
    ) async -> TryOutcome {
        await publish(message, log: log, stored: "published the return value from \(KubernetesPodTask.returnValuePath)")
        { [settings, definitions] in
            let compiled = try await definitions.compiled(dagId: claimed.dagId, hash: claimed.dagHash)
            var values = try XComResults.fromTerminationMessage(
                terminationMessage, maxBytes: settings.xcomMaxBytes,
                expanded: XComResults.Expanded(taskId: task.taskId, dag: compiled, maxLength: settings.maxMapLength))
            if task.branch {
                let returned = values[XComPull.returnValueKey].flatMap { try? JSONValue.parse($0) } ?? .null
                log.notice(
                    try XComResults.choose(
                        returned, branch: XComResults.Branch(taskId: task.taskId, dag: compiled), into: &values))
            }
            return values
        }
    }

    /// Gives a pod try back (same try number) and pushes its message, for another worker to adopt.
    func release(_ message: TaskMessage, logger log: Logger, command: RedisConnection) async {
        do {
            guard
                let queued = try await tasks.release(
                    taskInstanceId: message.taskInstanceId, tryNumber: message.tryNumber, workerId: identity.id)
            else {
                log.info("pod try already taken over by another worker")
                return
            }
            try await queue.enqueue([TaskQueue.Entry(message: queued.message, priority: queued.priority)], on: command)
            log.info("pod try given back for adoption; the pod keeps running")
        } catch {
            // The scheduler rescues it: queued tries are re-pushed, running ones of stopped workers adopted.
            log.warning("cannot give the pod try back", metadata: ["error": "\(error)"])
        }
    }
}
