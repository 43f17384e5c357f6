import Foundation
import Logging
import Testing
import TideCore

@testable import TideKubeSim

/// Where the simulated scheduler puts the pods of one task: six tries of it, built the way a
/// worker builds them, on a pool of three nodes.
@Suite("Simulated scheduling: topology spread and limits")
struct TopologySpreadTests {
    private static let hostname: JSONValue = .object([
        "maxSkew": .number(1), "topologyKey": .string("kubernetes.io/hostname"),
        "whenUnsatisfiable": .string("DoNotSchedule"),
    ])

    private func cluster(nodes: Int, cpu: String = "4") throws -> SimCluster {
        let configuration = try SimConfiguration.parse(
            yaml: "node_pools:\n  - {name: pool-1, cpu: \"\(cpu)\", min_nodes: \(nodes), max_nodes: \(nodes)}\n")
        return SimCluster(configuration: configuration, logger: Logger(label: "test"))
    }

    private func manifest(try number: Int, spread: [JSONValue]?, limits: [String: String] = [:]) throws -> JSONValue {
        var task = KubernetesPodTask(image: "busybox")
        task.cmds = ["sleep", "1"]
        task.topologySpreadConstraints = spread
        if !limits.isEmpty { task.resources["limits"] = limits }
        return try PodSpecBuilder.build(
            task, identity: PodIdentity(dagId: "d", taskId: "t", runId: "r\(number)", tryNumber: 1, taskInstanceId: 1),
            nodePools: [:], defaultNamespace: "tide", suffix: "p\(number)")
    }

    /// Pods per node after one scheduling step.
    private func placed(_ count: Int, on cluster: SimCluster, spread: [JSONValue]?) async throws -> [String: Int] {
        for number in 0..<count {
            _ = try await cluster.createPod(namespace: "tide", body: try manifest(try: number, spread: spread))
        }
        await cluster.schedulePending(now: Date())
        var perNode: [String: Int] = [:]
        for pod in await cluster.pods.values { perNode[pod.nodeName ?? "pending", default: 0] += 1 }
        return perNode
    }

    @Test func sixPodsOfASpreadTaskLandTwoOnEachOfThreeNodes() async throws {
        let perNode = try await placed(6, on: try cluster(nodes: 3), spread: [Self.hostname])
        #expect(perNode.count == 3 && perNode.values.allSatisfy { $0 == 2 }, "\(perNode)")
    }

    @Test func withoutSpreadThePodsPileOntoOneNode() async throws {
        let perNode = try await placed(6, on: try cluster(nodes: 3), spread: nil)
        #expect(perNode.values.sorted() == [6], "\(perNode)")
    }

    @Test func aHardConstraintKeepsDomainsWithinItsSkewAndOneNoNodeCanMeetLeavesThePodPending() async throws {
        // Three pods, two nodes, maxSkew 1 with an explicit selector: 2 and 1, never 3 and 0.
        let cluster = try cluster(nodes: 2)
        let explicit: JSONValue = .object([
            "maxSkew": .number(1), "topologyKey": .string("kubernetes.io/hostname"),
            "whenUnsatisfiable": .string("DoNotSchedule"),
            "labelSelector": .object(["matchLabels": .object(["tide.io/task-id": .string("t")])]),
        ])
        let perNode = try await placed(3, on: cluster, spread: [explicit])
        #expect(perNode["pending"] == nil && perNode.values.sorted() == [1, 2], "\(perNode)")
        // A topology key no node has: no domain, so no node fits, as in Kubernetes.
        let nowhere: JSONValue = .object([
            "maxSkew": .number(1), "topologyKey": .string("topology.kubernetes.io/zone"),
            "whenUnsatisfiable": .string("DoNotSchedule"),
        ])
        _ = try await cluster.createPod(namespace: "tide", body: try manifest(try: 9, spread: [nowhere]))
        await cluster.schedulePending(now: Date())
        let stuck = try #require(await cluster.pods.values.first { $0.name.hasSuffix("-p9") })
        #expect(stuck.nodeName == nil)
        #expect(
            stuck.unschedulableMessage
                == "0/2 nodes are available: 2 node(s) didn't match pod topology spread constraints.")
    }

    @Test func aLimitWithoutARequestIsTheRequest() async throws {
        let cluster = try cluster(nodes: 1, cpu: "1")
        let manifest = try manifest(try: 1, spread: nil, limits: ["cpu": "1500m"])
        #expect(PodRequirements(pod: manifest).cpuMillicores == 1500)
        _ = try await cluster.createPod(namespace: "tide", body: manifest)
        await cluster.schedulePending(now: Date())
        let pod = try #require(await cluster.pods.values.first)
        #expect(pod.nodeName == nil)
        #expect(pod.unschedulableMessage == "0/1 nodes are available: 1 Insufficient cpu.")
    }
}
