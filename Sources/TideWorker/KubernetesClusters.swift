import Foundation
import TideCore
import TideKube

/// The clusters a worker's pod tasks may use besides its own connection: a named connection
/// (`kubernetes_conn_id`), another context of a kubeconfig (`cluster_context`), or the service
/// account of the pod the worker runs in (`in_cluster: true`). Each is opened when a task first
/// needs it and kept; one that cannot be opened fails only the tasks that ask for it.
public final class KubernetesClusters: Sendable {
    /// Which cluster a pod task asks for.
    struct Target: Hashable, Sendable {
        var connection: String?
        var context: String?
        var inCluster: Bool
    }

    /// An opened cluster: its client and the namespace of pods whose task names none.
    public struct Opened: Sendable {
        public var client: KubeClient
        public var namespace: String
    }

    let named: [String: KubernetesConnectionSettings]
    /// The worker's own kubeconfig, for `cluster_context` without a named connection.
    let defaultKubeconfig: String?
    let environment: [String: String]
    let serviceAccountFolder: String
    private let opened = LockedBox<[Target: Opened]>([:])

    public init(
        named: [String: KubernetesConnectionSettings], defaultKubeconfig: String?, environment: [String: String],
        serviceAccountFolder: String
    ) {
        self.named = named
        self.defaultKubeconfig = defaultKubeconfig
        self.environment = environment
        self.serviceAccountFolder = serviceAccountFolder
    }

    /// The cluster `pod` asks for, or nil when it asks for the worker's own.
    /// - Throws: ``PodSpecError`` naming the connection or context that cannot be used.
    public func cluster(for pod: KubernetesPodTask) throws(PodSpecError) -> Opened? {
        let target = Target(
            connection: pod.kubernetesConnId, context: pod.clusterContext, inCluster: pod.inCluster ?? false)
        guard target.connection != nil || target.context != nil || target.inCluster else { return nil }
        return try cluster(target)
    }

    private func cluster(_ target: Target) throws(PodSpecError) -> Opened {
        if let found = opened.value[target] { return found }
        let made = try open(target)
        opened.mutate { $0[target] = made }
        return made
    }

    /// The clusters the orphan-pod sweep looks at besides the worker's own: every named
    /// connection (opened now if no task opened it yet; one that cannot be opened is skipped
    /// until the next sweep) and every other cluster this worker's tasks used.
    public func sweepable() -> [Opened] {
        for name in named.keys.sorted() {
            _ = try? cluster(Target(connection: name, context: nil, inCluster: false))
        }
        return opened.value.sorted { "\($0.key)" < "\($1.key)" }.map(\.value)
    }

    private func open(_ target: Target) throws(PodSpecError) -> Opened {
        var settings = KubernetesConnectionSettings(kubeconfig: defaultKubeconfig, inCluster: target.inCluster)
        var place = target.inCluster ? "in_cluster" : "the worker's kubeconfig"
        if let name = target.connection {
            guard let found = named[name] else {
                throw PodSpecError(message: "unknown Kubernetes connection '\(name)'", known: named.keys.sorted())
            }
            settings = found
            place = "connection '\(name)'"
        }
        if let context = target.context { settings.context = context }
        var connection: KubeConnection
        do {
            if settings.inCluster {
                connection = try KubeConnection.inCluster(
                    environment: environment, serviceAccountFolder: serviceAccountFolder)
            } else {
                guard let path = settings.kubeconfig else {
                    throw PodSpecError(message: "cluster_context needs a kubeconfig, and this worker has none")
                }
                connection = try KubeConnection.kubeconfigFile(path, context: settings.context)
            }
        } catch {
            throw PodSpecError(message: "cannot use \(place): \(error)")
        }
        if let namespace = settings.namespace { connection.namespace = namespace }
        return Opened(client: KubeClient(connection: connection), namespace: connection.namespace)
    }

    /// Closes every opened client.
    public func close() {
        for cluster in opened.value.values { cluster.client.close() }
    }
}
