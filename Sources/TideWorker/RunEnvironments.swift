import TideCore

/// The run-wide part of tasks' environments (``TaskEnvironment/RunPart``), made once per run and
/// DAG version instead of once per try: a run of a thousand tasks parses its `conf` once.
final class RunEnvironments: Sendable {
    private struct Key: Hashable {
        var dagId: String
        var dagHash: String
        var conf: String
    }

    /// Most runs kept; beyond, all are dropped and made again as tries ask (a worker serves few
    /// runs at once).
    let capacity: Int
    private let parts = LockedBox<[Key: TaskEnvironment.RunPart]>([:])

    init(capacity: Int = 64) {
        self.capacity = capacity
    }

    /// How many runs' parts are kept now.
    var count: Int { parts.value.count }

    /// The run part for a try of `dag` (version `dagHash`) in a run with `conf`.
    func part(dag: DAG, dagHash: String, conf: String) -> TaskEnvironment.RunPart {
        let key = Key(dagId: dag.dagId, dagHash: dagHash, conf: conf)
        if let known = parts.mutate({ $0[key] }) { return known }
        let part = TaskEnvironment.RunPart(dag: dag, conf: conf)
        let capacity = capacity
        parts.mutate { parts in
            if parts.count >= capacity { parts.removeAll(keepingCapacity: true) }
            parts[key] = part
        }
        return part
    }
}
