import TideCore

/// One `topologySpreadConstraints` item of a pod, as the simulated scheduler applies it.
struct SpreadConstraint: Sendable, Hashable {
    var maxSkew: Int
    var topologyKey: String
    /// `DoNotSchedule`: a node that would break `maxSkew` is not a fit. `ScheduleAnyway`: it is
    /// only less preferred.
    var isHard: Bool
    /// `labelSelector`: which pods are counted (none without one, as in Kubernetes).
    var selector: JSONValue?

    init?(_ item: JSONValue) {
        guard case .object(let fields) = item, case .number(let skew)? = fields["maxSkew"],
            case .string(let key)? = fields["topologyKey"], case .string(let policy)? = fields["whenUnsatisfiable"]
        else { return nil }
        maxSkew = Int(skew)
        topologyKey = key
        isHard = policy == "DoNotSchedule"
        selector = fields["labelSelector"]
    }

    /// Whether a pod's labels match `labelSelector` (`matchLabels` and `matchExpressions`).
    func counts(_ labels: [String: String]) -> Bool {
        guard case .object(let fields)? = selector else { return false }
        if case .object(let wanted)? = fields["matchLabels"] {
            for (key, value) in wanted where labels[key] != value.string { return false }
        }
        if case .array(let expressions)? = fields["matchExpressions"] {
            return expressions.allSatisfy { Placement.matches($0, labels) }
        }
        return true
    }
}

/// The simulated scheduler's PodTopologySpread: the filter for `DoNotSchedule` and the
/// preference for less crowded domains.
enum TopologySpreadPlacement {
    /// The pods already placed in each topology domain that a constraint counts.
    struct Domains {
        var counts: [String: Int]
        /// The smallest count over the domains the pod could go to (0 when one is empty).
        var minimum: Int
    }

    /// - Parameters:
    ///   - eligible: the nodes the pod's node selector and affinity allow (taints and resources
    ///     aside, as Kubernetes counts domains).
    ///   - placed: labels, namespace and node of every unfinished pod bound to a node.
    static func domains(
        _ constraint: SpreadConstraint, namespace: String, eligible: [SimNode],
        placed: [(labels: [String: String], namespace: String, node: String)]
    ) -> Domains {
        var domainOf: [String: String] = [:]
        var counts: [String: Int] = [:]
        for node in eligible {
            guard let domain = node.labels[constraint.topologyKey] else { continue }
            domainOf[node.name] = domain
            counts[domain] = counts[domain] ?? 0
        }
        for pod in placed where pod.namespace == namespace && constraint.counts(pod.labels) {
            guard let domain = domainOf[pod.node] else { continue }
            counts[domain, default: 0] += 1
        }
        return Domains(counts: counts, minimum: counts.values.min() ?? 0)
    }

    /// Whether placing the pod on `node` keeps every hard constraint's skew within `maxSkew`.
    static func allows(_ node: SimNode, constraints: [(SpreadConstraint, Domains)]) -> Bool {
        constraints.allSatisfy { constraint, domains in
            guard constraint.isHard else { return true }
            guard let domain = node.labels[constraint.topologyKey] else { return false }
            return (domains.counts[domain] ?? 0) + 1 - domains.minimum <= constraint.maxSkew
        }
    }

    /// Lower is better: the pods the constraints count in the node's domains.
    static func crowding(of node: SimNode, constraints: [(SpreadConstraint, Domains)]) -> Int {
        constraints.reduce(0) { total, entry in
            total + (node.labels[entry.0.topologyKey].flatMap { entry.1.counts[$0] } ?? 0)
        }
    }
}
