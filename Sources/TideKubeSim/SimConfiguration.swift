import Foundation
import TideCore
import Yams

/// What the simulated cluster looks like: its node pools and how fast the autoscaler reacts.
///
/// Read from YAML:
/// ```yaml
/// node_pools:
///   - name: default
///     min_nodes: 1
///     max_nodes: 1
///   - name: pool-1
///     labels: {cloud.google.com/gke-nodepool: pool-1}
///     taints: [{key: dedicated, value: pool-1, effect: NoSchedule}]
///     cpu: "4"
///     memory: 16Gi
///     max_pods: 110
///     min_nodes: 0
///     max_nodes: 3
/// scale_up_delay_seconds: 2
/// scale_down_idle_seconds: 10
/// ```
public struct SimConfiguration: Sendable, Hashable, Decodable {
    /// A node pool: every node in it has these labels, taints and capacity.
    public struct Pool: Sendable, Hashable, Decodable {
        public var name: String
        /// Node labels; `cloud.google.com/gke-nodepool: <name>` when none are given.
        public var labels: [String: String]?
        public var taints: [NodePool.Taint]?
        public var cpu: String?
        public var memory: String?
        public var maxPods: Int?
        public var minNodes: Int?
        public var maxNodes: Int?

        public init(name: String, labels: [String: String]? = nil, minNodes: Int = 0, maxNodes: Int = 3) {
            self.name = name
            self.labels = labels
            self.minNodes = minNodes
            self.maxNodes = maxNodes
        }

        var nodeLabels: [String: String] { labels ?? [NodePool.gkeLabelKey: name] }
        var cpuMillicores: Int64 { Quantity.millicores(cpu ?? "4") ?? 4000 }
        var memoryBytes: Double { Quantity.value(memory ?? "16Gi") ?? 16 * 1024 * 1024 * 1024 }
        var podLimit: Int { maxPods ?? 110 }
        var minimum: Int { minNodes ?? 0 }
        var maximum: Int { maxNodes ?? 3 }

        enum CodingKeys: String, CodingKey {
            case name, labels, taints, cpu, memory, maxPods = "max_pods", minNodes = "min_nodes"
            case maxNodes = "max_nodes"
        }
    }

    public var nodePools: [Pool]
    /// Seconds between a pod that fits nowhere and the new node being Ready. Default 2.
    public var scaleUpDelaySeconds: Double?
    /// Seconds a node stays empty before the autoscaler removes it. Default 10.
    public var scaleDownIdleSeconds: Double?
    /// What the caller may not do, as `VERB RESOURCE` (`delete pods`, `get pods/log`): the answer
    /// of `SelfSubjectAccessReview`s (the simulator does not enforce it on the calls themselves).
    public var deniedAccess: [String]?

    enum CodingKeys: String, CodingKey {
        case nodePools = "node_pools", scaleUpDelaySeconds = "scale_up_delay_seconds"
        case scaleDownIdleSeconds = "scale_down_idle_seconds", deniedAccess = "denied_access"
    }

    public init(nodePools: [Pool], scaleUpDelaySeconds: Double = 2, scaleDownIdleSeconds: Double = 10) {
        self.nodePools = nodePools
        self.scaleUpDelaySeconds = scaleUpDelaySeconds
        self.scaleDownIdleSeconds = scaleDownIdleSeconds
    }

    /// One static node pool `default` of one node: a cluster that runs anything without a node pool.
    public static let singleNode = SimConfiguration(nodePools: [Pool(name: "default", minNodes: 1, maxNodes: 1)])

    var scaleUpDelay: Double { scaleUpDelaySeconds ?? 2 }
    var scaleDownIdle: Double { scaleDownIdleSeconds ?? 10 }

    /// Reads and checks a configuration.
    /// - Throws: ``SimConfigurationError`` naming the field that is wrong.
    public static func parse(yaml text: String) throws(SimConfigurationError) -> SimConfiguration {
        let configuration: SimConfiguration
        do {
            configuration = try YAMLDecoder().decode(SimConfiguration.self, from: text)
        } catch let DecodingError.keyNotFound(key, context) {
            throw SimConfigurationError(message: "\(path(context.codingPath + [key])): required field is missing")
        } catch let DecodingError.typeMismatch(type, context) {
            throw SimConfigurationError(message: "\(path(context.codingPath)): expected \(type)")
        } catch let DecodingError.dataCorrupted(context) {
            throw SimConfigurationError(message: "\(path(context.codingPath)): \(context.debugDescription)")
        } catch {
            throw SimConfigurationError(message: "not a valid simulator configuration: \(error)")
        }
        try configuration.check()
        return configuration
    }

    func check() throws(SimConfigurationError) {
        var names: Set<String> = []
        for (index, pool) in nodePools.enumerated() {
            let place = "node_pools[\(index)]"
            guard KubeNaming.isDNSLabel(pool.name) else {
                throw SimConfigurationError(message: "\(place).name: '\(pool.name)' is not a DNS-1123 label")
            }
            guard names.insert(pool.name).inserted else {
                throw SimConfigurationError(message: "\(place): node pool '\(pool.name)' is declared twice")
            }
            for (key, value) in pool.labels ?? [:] {
                guard KubeNaming.isValidLabelKey(key), KubeNaming.isValidLabelValue(value) else {
                    throw SimConfigurationError(message: "\(place).labels: invalid label \(key)=\(value)")
                }
            }
            if let cpu = pool.cpu, Quantity.millicores(cpu) == nil {
                throw SimConfigurationError(message: "\(place).cpu: '\(cpu)' is not a quantity")
            }
            if let memory = pool.memory, Quantity.value(memory) == nil {
                throw SimConfigurationError(message: "\(place).memory: '\(memory)' is not a quantity")
            }
            guard pool.minimum >= 0, pool.maximum >= pool.minimum else {
                throw SimConfigurationError(message: "\(place): expected 0 <= min_nodes <= max_nodes")
            }
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined().drop { $0 == "." }
            .description
    }
}

/// A simulator configuration that cannot be used.
public struct SimConfigurationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
