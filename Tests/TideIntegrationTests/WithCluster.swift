/// Runs `body` with a fresh cluster and always shuts it down (processes, schema, keys, folder).
func withCluster(_ body: (Cluster) async throws -> Void) async throws {
    let cluster = try await Cluster.make()
    do {
        try await body(cluster)
    } catch {
        let logs = await cluster.logs()
        await cluster.shutdown()
        throw ClusterFailure(error: error, logs: logs)
    }
    await cluster.shutdown()
}

/// A test failure with the cluster's process output attached.
struct ClusterFailure: Error, CustomStringConvertible {
    let error: any Error
    let logs: String
    var description: String { "\(error)\n\(logs)" }
}
