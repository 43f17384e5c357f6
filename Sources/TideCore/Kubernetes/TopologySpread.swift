/// Checks of a `topologySpreadConstraints` item, as the API server would reject it.
public enum TopologySpread {
    static let keys = [
        "maxSkew", "topologyKey", "whenUnsatisfiable", "labelSelector", "minDomains", "matchLabelKeys",
        "nodeAffinityPolicy", "nodeTaintsPolicy",
    ]
    /// The values of `whenUnsatisfiable`.
    public static let policies = ["DoNotSchedule", "ScheduleAnyway"]

    /// What is wrong with one constraint, or nil when Kubernetes would take it.
    public static func problem(in constraint: JSONValue) -> String? {
        guard case .object(let fields) = constraint else {
            return "each topology spread constraint must be a mapping of maxSkew, topologyKey, whenUnsatisfiable"
        }
        for key in fields.keys.sorted() where !keys.contains(key) {
            let hint = Suggestion.hint(for: key, among: keys).map { " (\($0))" } ?? ""
            return "unknown field '\(key)' in a topology spread constraint\(hint)"
        }
        guard case .number(let skew)? = fields["maxSkew"], skew.rounded() == skew, skew >= 1 else {
            return "a topology spread constraint needs maxSkew, a whole number of at least 1"
        }
        guard case .string(let key)? = fields["topologyKey"], KubeNaming.isValidLabelKey(key) else {
            return "a topology spread constraint needs topologyKey, a node label such as kubernetes.io/hostname"
        }
        guard case .string(let policy)? = fields["whenUnsatisfiable"], policies.contains(policy) else {
            return "a topology spread constraint needs whenUnsatisfiable: DoNotSchedule or ScheduleAnyway"
        }
        return nil
    }
}
