import Logging
import TideCore
import TideKube
import TidePostgres

/// Finds Tide's pods whose try is no longer live — a worker died after recording the result but
/// before deleting the pod, or an operator failed a try while its worker was away — and settles
/// them as the task's `on_finish` says (delete, or label `tide.io/finished` to keep them).
///
/// A pod is live while its task instance is `running` or `queued` (for adoption) with the pod's
/// try number. Several workers may sweep the same namespace: every step is idempotent.
struct OrphanPodSweeper {
    let client: KubeClient
    let namespace: String
    let tasks: TaskInstanceStore
    let definitions: DagVersionCache
    let logger: Logger

    /// One sweep. Returns the pods it settled.
    func sweep() async throws -> [String] {
        let pods = try await client.pods(namespace: namespace, labelSelector: "tide.io/managed=true").pods.filter {
            $0.labels[PodRunner.finishedLabel] == nil
        }
        let tries = pods.compactMap { pod -> (PodStatus, Int64, Int)? in
            guard let id = pod.labels["tide.io/task-instance"].flatMap(Int64.init),
                let tryNumber = pod.labels["tide.io/try-number"].flatMap(Int.init)
            else { return nil }
            return (pod, id, tryNumber)
        }
        let owners = try await tasks.podOwners(Array(Set(tries.map(\.1))))
        var settled: [String] = []
        for (pod, id, tryNumber) in tries {
            let owner = owners[id]
            if let owner, owner.tryNumber == tryNumber, owner.state == .running || owner.state == .queued { continue }
            let keep = await keeps(pod, owner: owner)
            if keep {
                try await client.labelPod(
                    namespace: pod.namespace, name: pod.name, labels: [PodRunner.finishedLabel: "true"])
            } else {
                try await client.deletePod(namespace: pod.namespace, name: pod.name)
            }
            logger.warning(
                "settled a pod whose try is over", metadata: ["pod": "\(pod.namespace)/\(pod.name)", "kept": "\(keep)"])
            settled.append("\(pod.namespace)/\(pod.name)")
        }
        return settled
    }

    /// Whether `on_finish` keeps this pod (a `keep_pod` task, or `delete_succeeded_pod` and it failed).
    private func keeps(_ pod: PodStatus, owner: TaskInstanceStore.PodOwner?) async -> Bool {
        guard let owner, let dag = try? await definitions.dag(dagId: owner.dagId, hash: owner.dagHash),
            case .kubernetesPod(let spec)? = dag.task(owner.taskId)?.kind
        else { return false }
        switch spec.onFinish {
        case .deletePod: return false
        case .deleteSucceededPod: return pod.phase != "Succeeded"
        case .keepPod: return true
        }
    }
}
