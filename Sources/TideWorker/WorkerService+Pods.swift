import Foundation
import Logging
import TideCore
import TidePostgres
import TideRedis

extension WorkerService {
    /// Runs a `kubernetes_pod` try with the pod runner.
    /// - Returns: a nil outcome when the pod was left for another worker to adopt.
    func runPod(
        _ pod: KubernetesPodTask, task: TaskSpec, claimed: TaskInstanceStore.ClaimedTry, message: TaskMessage,
        token: RunningTries.Token, log: Logger
    ) async -> (outcome: TaskInstanceStore.TryOutcome?, exitCode: Int?, log: LogBuffer) {
        guard let kubernetes = dependencies.kubernetes else {
            var buffer = LogBuffer(capBytes: settings.logMaxBytes)
            buffer.appendNotice(
                "failed to start: this worker has no Kubernetes connection: "
                    + (dependencies.kubernetesUnavailable
                        ?? "none is configured (set kubernetes.kubeconfig or kubernetes.in_cluster, or run it in a pod)")
            )
            return (.failed, nil, buffer)
        }
        let runner = PodRunner(
            client: kubernetes.client,
            nodePools: Dictionary(kubernetes.nodePools.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }),
            defaultNamespace: kubernetes.namespace, logMaxBytes: settings.logMaxBytes, logger: log)
        let podIdentity = PodIdentity(
            dagId: claimed.dagId, taskId: claimed.taskId, runId: claimed.runName, tryNumber: message.tryNumber,
            taskInstanceId: message.taskInstanceId)
        let store = tasks
        let workerId = self.identity.id
        let result = await runner.run(
            pod, identity: podIdentity, executionTimeoutSeconds: task.executionTimeoutSeconds,
            controls: running.podControls(token)
        ) { externalId in
            (try? await store.recordPod(
                externalId, taskInstanceId: message.taskInstanceId, tryNumber: message.tryNumber, workerId: workerId))
                ?? false
        }
        let outcome: TaskInstanceStore.TryOutcome? =
            switch result.ending {
            case .succeeded: .success
            case .skipped: .skipped
            case .failed: .failed
            case .detached: nil
            }
        return (outcome, result.exitCode, result.log)
    }

    /// The pod that runs an `executor: kubernetes` task: the Tide image running `tide tasks run`,
    /// which reads the task from PostgreSQL (no DAG files in the pod) and runs it as a process.
    /// Exit code 99 still means skipped, as for local tasks.
    func executorPod(for task: TaskSpec, message: TaskMessage) -> KubernetesPodTask {
        let access = dependencies.kubernetes
        var pod = KubernetesPodTask(image: access?.workerImage ?? "tide:latest")
        pod.cmds = ["tide", "tasks", "run", String(message.taskInstanceId), "--try", String(message.tryNumber)]
        pod.env = access?.workerEnvironment ?? [:]
        if let secret = access?.workerSecret { pod.envFrom = [.init(secret: secret)] }
        pod.nodePool = task.executor?.nodePool
        pod.podTemplate = task.executor?.podTemplate
        pod.labels = ["tide.io/executor": "kubernetes"]
        pod.skipOnExitCode = [Int(ExitCodeRule.skipCode)]
        return pod
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
