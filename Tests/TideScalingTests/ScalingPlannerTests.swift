import Foundation
import Testing
import TideCore

@testable import TideScaling

@Suite("Scaling hints for queues and node pools")
struct ScalingPlannerTests {
    let gibibyte = 1024.0 * 1024 * 1024

    @Test func nodeHintFitsTheLargestOfCpuMemoryAndPodCount() {
        let shape = NodePool.NodeShape(cpuMillicores: 4000, memoryBytes: 16 * gibibyte, pods: 10)
        func nodes(_ pods: Int, cpu: Int64, memory: Double, min: Int = 0, max: Int? = nil) -> Int? {
            NodePoolHint(
                NodePoolDemand(
                    pool: "p", pendingPods: pods, runningPods: 0,
                    requests: PodRequests(cpuMillicores: cpu, memoryBytes: memory) * pods, shape: shape,
                    minNodes: min, maxNodes: max)
            ).desiredNodes
        }
        #expect(nodes(0, cpu: 1000, memory: gibibyte) == 0)
        #expect(nodes(4, cpu: 1000, memory: gibibyte) == 1)
        #expect(nodes(5, cpu: 1000, memory: gibibyte) == 2)
        #expect(nodes(2, cpu: 500, memory: 12 * gibibyte) == 2)
        #expect(nodes(25, cpu: 10, memory: 1) == 3)
        #expect(nodes(0, cpu: 1000, memory: gibibyte, min: 1) == 1)
        #expect(nodes(40, cpu: 1000, memory: gibibyte, max: 3) == 3)
        let unshaped = NodePoolHint(NodePoolDemand(pool: "p", pendingPods: 3, requests: PodRequests(cpuMillicores: 1)))
        #expect(unshaped.desiredNodes == nil)
        #expect(unshaped.cpuRequestMillicores == 1)
    }

    @Test func plannerCountsRunningTasksAndContinuesThePreviousWindow() throws {
        let policy = { (_: String) in ReplicaPolicy(minReplicas: 0, maxReplicas: 20, scaleDownWindowSeconds: 60) }
        let burst = ScalingPlanner.plan(
            queues: [
                QueueDemand(queue: "default", queued: 30, running: 10, workers: 1, workerConcurrency: 8),
                QueueDemand(queue: "gpu", heldBack: ["pool_full": 4], workerConcurrency: 2),
            ],
            nodePools: [], policy: policy, previous: nil, now: 1000, intervalSeconds: 5)
        #expect(burst.queues["default"]?.neededWorkers == 5)
        #expect(burst.queues["default"]?.desiredWorkers == 5)
        #expect(burst.queues["gpu"]?.desiredWorkers == 0)
        #expect(burst.queues["gpu"]?.heldBack == 4)

        // Only running tasks left: they still count, so busy workers are kept.
        let draining = ScalingPlanner.plan(
            queues: [QueueDemand(queue: "default", queued: 0, running: 9, workers: 5, workerConcurrency: 8)],
            nodePools: [], policy: policy, previous: burst, now: 1030, intervalSeconds: 5)
        #expect(draining.queues["default"]?.neededWorkers == 2)
        #expect(draining.queues["default"]?.desiredWorkers == 5)
        let settled = ScalingPlanner.plan(
            queues: [QueueDemand(queue: "default", queued: 0, running: 9, workers: 5, workerConcurrency: 8)],
            nodePools: [], policy: policy, previous: draining, now: 1061, intervalSeconds: 5)
        #expect(settled.queues["default"]?.desiredWorkers == 2)
    }

    @Test func reportJSONHasTheFieldsAKedaValueLocationNames() throws {
        let report = ScalingPlanner.plan(
            queues: [QueueDemand(queue: "default", queued: 3, workers: 0, workerConcurrency: 2)],
            nodePools: [NodePoolDemand(pool: "pool-1", pendingPods: 1)],
            policy: { _ in ReplicaPolicy(minReplicas: 0, maxReplicas: 3) }, previous: nil, now: 10, intervalSeconds: 5)
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any]
        let queues = object?["queues"] as? [String: Any]
        let queue = queues?["default"] as? [String: Any]
        #expect(queue?["desiredWorkers"] as? Int == 2)
        let pools = object?["nodePools"] as? [String: Any]
        #expect((pools?["pool-1"] as? [String: Any])?["pendingPods"] as? Int == 1)
        let decoded = try JSONDecoder().decode(ScalingReport.self, from: JSONEncoder().encode(report))
        #expect(decoded == report)
        #expect(!report.isStale(now: 20))
        #expect(report.isStale(now: 40))
    }
}
