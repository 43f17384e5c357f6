import Testing
import TideCore

@testable import TideKubeSim

private let pool1 = NodePool(name: "pool-1", taints: [.init(key: "dedicated", value: "tide", effect: "NoSchedule")])

private func node(
    _ name: String, pool: String?, taints: [NodePool.Taint] = [], cpu: Int64 = 4000, memory: Double = 16e9,
    pods: Int = 110
)
    -> SimNode
{
    var labels = ["kubernetes.io/hostname": name]
    if let pool { labels[NodePool.gkeLabelKey] = pool }
    return SimNode(name: name, labels: labels, taints: taints, cpuMillicores: cpu, memoryBytes: memory, maxPods: pods)
}

private func pod(nodePool: String? = "pool-1", cpu: String? = nil, memory: String? = nil) throws -> PodRequirements {
    var task = KubernetesPodTask(image: "busybox")
    task.nodePool = nodePool
    if let cpu { task.resources["requests", default: [:]]["cpu"] = cpu }
    if let memory { task.resources["requests", default: [:]]["memory"] = memory }
    let manifest = try PodSpecBuilder.build(
        task, identity: PodIdentity(dagId: "d", taskId: "t", runId: "r", tryNumber: 1, taskInstanceId: 1),
        nodePools: ["pool-1": pool1], defaultNamespace: "tide", suffix: "abc")
    return PodRequirements(pod: manifest)
}

@Suite("Simulated scheduling")
struct PlacementTests {
    private let idle = NodeUsage()

    @Test func aPoolPodFitsItsTaintedPoolNodeOnly() throws {
        let requirements = try pod()
        let poolNode = node("gke-pool-1-a", pool: "pool-1", taints: pool1.taints)
        #expect(Placement.misfit(requirements, on: poolNode, used: idle) == nil)
        #expect(
            Placement.misfit(requirements, on: node("gke-default-a", pool: "default-pool"), used: idle) == .nodeAffinity
        )
        let otherTaint = node("gke-pool-1-b", pool: "pool-1", taints: [.init(key: "gpu", value: "a100")])
        #expect(Placement.misfit(requirements, on: otherTaint, used: idle) == .untoleratedTaint("gpu: a100"))
    }

    @Test func aPodWithoutAPoolCannotLandOnTaintedNodes() throws {
        let requirements = try pod(nodePool: nil)
        #expect(Placement.misfit(requirements, on: node("plain", pool: nil), used: idle) == nil)
        #expect(
            Placement.misfit(requirements, on: node("gke-pool-1-a", pool: "pool-1", taints: pool1.taints), used: idle)
                != nil)
        let soft = node("soft", pool: nil, taints: [.init(key: "spot", effect: "PreferNoSchedule")])
        #expect(Placement.misfit(requirements, on: soft, used: idle) == nil, "PreferNoSchedule does not block")
    }

    @Test func resourcesAndPodCountsAreCounted() throws {
        let requirements = try pod(cpu: "1500m", memory: "2Gi")
        let small = node("n", pool: "pool-1", taints: pool1.taints, cpu: 2000, memory: 4 * 1_073_741_824, pods: 3)
        #expect(Placement.misfit(requirements, on: small, used: idle) == nil)
        #expect(
            Placement.misfit(requirements, on: small, used: NodeUsage(cpu: 1000, memory: 0, pods: 1))
                == .insufficientCPU)
        #expect(
            Placement.misfit(requirements, on: small, used: NodeUsage(cpu: 0, memory: 3 * 1_073_741_824, pods: 1))
                == .insufficientMemory)
        #expect(Placement.misfit(requirements, on: small, used: NodeUsage(cpu: 0, memory: 0, pods: 3)) == .tooManyPods)
        #expect(Misfit.insufficientCPU.reason == "Insufficient cpu")
    }

    @Test func aHostPortTakenOnANodeKeepsAnotherPodTakingItAway() throws {
        let requirements = PodRequirements(
            pod: try JSONValue.decode(
                Array(
                    #"{"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80, "hostPort": 8080}]}]}}"#
                        .utf8
                )))
        #expect(requirements.hostPorts == [HostPort(port: 8080, protocol: "TCP")])
        let plain = node("n", pool: nil)
        var used = NodeUsage()
        used.hostPorts = [HostPort(port: 8080, protocol: "UDP"), HostPort(port: 9090, protocol: "TCP")]
        #expect(Placement.misfit(requirements, on: plain, used: used) == nil, "another protocol or port is free")
        used.hostPorts.insert(HostPort(port: 8080, protocol: "TCP"))
        #expect(Placement.misfit(requirements, on: plain, used: used) == .hostPorts)
        #expect(Misfit.hostPorts.reason == "node(s) didn't have free ports for the requested pod ports")
    }

    @Test(arguments: [
        (#"{"key":"zone","operator":"In","values":["a","b"]}"#, true),
        (#"{"key":"zone","operator":"In","values":["c"]}"#, false),
        (#"{"key":"zone","operator":"NotIn","values":["c"]}"#, true),
        (#"{"key":"missing","operator":"NotIn","values":["c"]}"#, true),
        (#"{"key":"zone","operator":"Exists"}"#, true),
        (#"{"key":"zone","operator":"DoesNotExist"}"#, false),
        (#"{"key":"cores","operator":"Gt","values":["8"]}"#, true),
        (#"{"key":"cores","operator":"Lt","values":["8"]}"#, false),
        (#"{"key":"zone","operator":"Near","values":["a"]}"#, false),
    ])
    func nodeSelectorOperators(expression: String, matches: Bool) throws {
        #expect(Placement.matches(try JSONValue.parse(expression), ["zone": "a", "cores": "16"]) == matches)
    }

    @Test(arguments: [
        (#"{"key":"dedicated","operator":"Equal","value":"tide","effect":"NoSchedule"}"#, true),
        (#"{"key":"dedicated","value":"tide"}"#, true),
        (#"{"key":"dedicated","operator":"Equal","value":"other"}"#, false),
        (#"{"key":"dedicated","operator":"Exists"}"#, true),
        (#"{"operator":"Exists"}"#, true),
        (#"{"key":"dedicated","operator":"Exists","effect":"NoExecute"}"#, false),
        (#"{"key":"other","operator":"Exists"}"#, false),
    ])
    func tolerations(toleration: String, tolerates: Bool) throws {
        let taint = NodePool.Taint(key: "dedicated", value: "tide", effect: "NoSchedule")
        #expect(Placement.tolerates(try JSONValue.parse(toleration), taint) == tolerates)
    }

    @Test(arguments: [("500m", Int64(500)), ("2", 2000), ("0.25", 250), ("1", 1000)])
    func cpuQuantities(text: String, millicores: Int64) {
        #expect(Quantity.millicores(text) == millicores)
    }

    @Test(arguments: [
        ("1Gi", 1_073_741_824.0), ("512Mi", 536_870_912), ("1G", 1e9), ("1e3", 1000), ("128974848", 128_974_848),
    ])
    func memoryQuantities(text: String, bytes: Double) {
        #expect(Quantity.value(text) == bytes)
    }
}
