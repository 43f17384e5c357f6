import TideCore
import TidePostgres

/// The DAG version of each active run, so an event costs no run lookup.
final class RunVersionMap: Sendable {
    private let runVersions = LockedBox<[Int64: (dagId: String, hash: String)]>([:])

    func remember(run: Int64, dagId: String, hash: String) { runVersions.mutate { $0[run] = (dagId, hash) } }
    func version(of run: Int64) -> (dagId: String, hash: String)? { runVersions.mutate { $0[run] } }
    func forget(run: Int64) { runVersions.mutate { $0[run] = nil } }
}
