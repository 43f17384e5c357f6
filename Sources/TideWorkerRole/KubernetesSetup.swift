import Foundation
import TideCommandLine
import TideCore
import TideKube
import TideWorker

/// The Kubernetes connection a worker uses for pod tasks, from the `kubernetes.*` settings.
public enum KubernetesSetup {
    /// - Returns: nil when no kubeconfig is configured and the process is not in a pod.
    /// - Throws: ``CLIError`` naming the setting whose file cannot be read or used.
    public static func access(_ configuration: TideConfiguration, environment: [String: String]) throws
        -> KubernetesAccess?
    {
        let settings = configuration.kubernetes
        var connection: KubeConnection
        if let path = settings.kubeconfig {
            do {
                connection = try KubeConnection.kubeconfigFile(path, context: settings.context)
            } catch {
                throw CLIError(
                    "kubernetes.kubeconfig: \(error)", hint: "set TIDE_KUBERNETES_KUBECONFIG to a readable kubeconfig")
            }
        } else if settings.inCluster ?? (environment["KUBERNETES_SERVICE_HOST"] != nil) {
            do {
                connection = try KubeConnection.inCluster(
                    environment: environment, serviceAccountFolder: settings.serviceAccountFolder)
            } catch {
                throw CLIError("kubernetes.in_cluster: \(error)")
            }
        } else {
            return nil
        }
        if let namespace = settings.namespace { connection.namespace = namespace }
        var access = KubernetesAccess(
            client: KubeClient(connection: connection), namespace: connection.namespace,
            nodePools: configuration.nodePools, workerImage: settings.workerImage, workerSecret: settings.workerSecret,
            workerEnvironment: [
                "TIDE_DATABASE_SCHEMA": configuration.databaseSchema,
                "TIDE_DEFAULT_TIMEZONE": configuration.defaultTimeZone,
                "TIDE_WORKER_LOG_MAX_BYTES": String(configuration.worker.logMaxBytes),
                "TIDE_WORKER_XCOM_MAX_BYTES": String(configuration.worker.xcomMaxBytes),
                "TIDE_WORKER_MAX_MAP_LENGTH": String(configuration.worker.maxMapLength),
                "TIDE_LOG_LEVEL": configuration.logLevel,
            ], orphanSweepIntervalSeconds: settings.orphanSweepIntervalSeconds,
            masksSecretValues: settings.maskSecretValues)
        access.podDefaults = settings.podDefaults
        access.clusters = KubernetesClusters(
            named: settings.connections, defaultKubeconfig: settings.kubeconfig, environment: environment,
            serviceAccountFolder: settings.serviceAccountFolder)
        return access
    }
}
