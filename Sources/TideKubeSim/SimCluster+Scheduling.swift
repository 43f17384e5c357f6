import Foundation
import TideCore

extension SimCluster {
    /// One step of the simulated control plane: image pulls, autoscaler, scheduler.
    func tick(now: Date) {
        for key in pods.keys {
            guard var pod = pods[key], case .waiting("ErrImagePull", let message) = pod.container,
                let started = pod.startTime, now.timeIntervalSince(started) > 1
            else { continue }
            pod.container = .waiting(reason: "ImagePullBackOff", message: message)
            pod.resourceVersion = nextResourceVersion()
            pods[key] = pod
            publish("MODIFIED", pod)
            recordEvent(
                pod, type: "Normal", reason: "BackOff", message: "Back-off pulling image \"\(image(of: pod))\"",
                component: "kubelet")
        }
        // The kubelet tries again what it could not do: a reference or a volume it could not resolve.
        for key in pods.keys.sorted() {
            switch pods[key]?.container {
            case .waiting("CreateContainerConfigError", _)?, .waiting("ContainerCreating", .some)?:
                startContainer(key, now: now)
            default:
                continue
            }
        }
        for (pool, readyTimes) in pendingScaleUps {
            guard let spec = configuration.nodePools.first(where: { $0.name == pool }) else { continue }
            let due = readyTimes.filter { $0 <= now }
            pendingScaleUps[pool] = readyTimes.filter { $0 > now }
            for _ in due { addNode(pool: spec, now: now) }
        }
        schedulePending(now: now)
        planScaleUps(now: now)
        scaleDown(now: now)
    }

    /// Binds every pending pod that fits a node; records FailedScheduling for the others.
    func schedulePending(now: Date) {
        let orderedNodes = nodes.values.sorted { $0.node.name < $1.node.name }
        for key in pods.keys.sorted() {
            guard let pod = pods[key], pod.nodeName == nil, !pod.isFinished else { continue }
            var reasons: [String: Int] = [:]
            let spread = spreadDomains(for: pod, nodes: orderedNodes.map(\.node))
            var fitting: [SimNode] = []
            for record in orderedNodes {
                if let misfit = Placement.misfit(pod.requirements, on: record.node, used: usage(of: record.node.name)) {
                    reasons[misfit.reason, default: 0] += 1
                } else if !TopologySpreadPlacement.allows(record.node, constraints: spread) {
                    reasons[Misfit.topologySpread.reason, default: 0] += 1
                } else {
                    fitting.append(record.node)
                    // Without spread constraints the first node that fits is as good as any.
                    if spread.isEmpty { break }
                }
            }
            // The least crowded domains first; among equals, the first by name.
            let chosen = fitting.enumerated().min { a, b in
                let crowding = (
                    TopologySpreadPlacement.crowding(of: a.element, constraints: spread),
                    TopologySpreadPlacement.crowding(of: b.element, constraints: spread)
                )
                return crowding.0 != crowding.1 ? crowding.0 < crowding.1 : a.offset < b.offset
            }?.element.name
            if let chosen {
                bind(key, to: chosen, now: now)
                continue
            }
            let detail = reasons.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            let message =
                orderedNodes.isEmpty
                ? "no nodes available to schedule pods" : "0/\(orderedNodes.count) nodes are available: \(detail)."
            guard pod.unschedulableMessage != message else { continue }
            var updated = pod
            updated.unschedulableMessage = message
            updated.resourceVersion = nextResourceVersion()
            pods[key] = updated
            publish("MODIFIED", updated)
            recordEvent(
                updated, type: "Warning", reason: "FailedScheduling", message: message, component: "default-scheduler")
        }
    }

    /// Each of the pod's spread constraints with the pods it counts per topology domain.
    func spreadDomains(for pod: SimPod, nodes: [SimNode]) -> [(SpreadConstraint, TopologySpreadPlacement.Domains)] {
        guard !pod.requirements.spreadConstraints.isEmpty else { return [] }
        let eligible = nodes.filter { Placement.placementMisfit(pod.requirements, on: $0) == nil }
        let placed = pods.values.compactMap { other in
            other.nodeName.flatMap { node in other.isFinished ? nil : (other.labels, other.namespace, node) }
        }
        return pod.requirements.spreadConstraints.map { constraint in
            (
                constraint,
                TopologySpreadPlacement.domains(
                    constraint, namespace: pod.namespace, eligible: eligible, placed: placed)
            )
        }
    }

    /// What the node's unfinished pods request.
    func usage(of nodeName: String) -> NodeUsage {
        var used = NodeUsage()
        for pod in pods.values where pod.nodeName == nodeName && !pod.isFinished { used.add(pod.requirements) }
        return used
    }

    private func image(of pod: SimPod) -> String {
        pod.spec["containers"]?.array?.first?["image"]?.string ?? ""
    }

    private func bind(_ key: String, to nodeName: String, now: Date) {
        guard var pod = pods[key] else { return }
        pod.nodeName = nodeName
        pod.startTime = now
        pod.unschedulableMessage = nil
        nodes[nodeName]?.emptySince = nil
        recordEvent(
            pod, type: "Normal", reason: "Scheduled",
            message: "Successfully assigned \(pod.namespace)/\(pod.name) to \(nodeName)", component: "default-scheduler"
        )
        let image = image(of: pod)
        recordEvent(pod, type: "Normal", reason: "Pulling", message: "Pulling image \"\(image)\"", component: "kubelet")
        if SimKubelet.failsToPull(image) {
            let message =
                "rpc error: code = NotFound desc = failed to pull and unpack image \"\(image)\": not found"
            pod.container = .waiting(reason: "ErrImagePull", message: message)
            recordEvent(
                pod, type: "Warning", reason: "Failed", message: "Failed to pull image \"\(image)\": \(message)",
                component: "kubelet")
            recordEvent(pod, type: "Warning", reason: "Failed", message: "Error: ErrImagePull", component: "kubelet")
        } else {
            recordEvent(
                pod, type: "Normal", reason: "Pulled",
                message: "Container image \"\(image)\" already present on machine",
                component: "kubelet")
            pods[key] = pod
            startContainer(key, now: now)
            return
        }
        pod.resourceVersion = nextResourceVersion()
        pods[key] = pod
        publish("MODIFIED", pod)
    }

    /// Starts a bound pod's container once its environment resolves; a missing Secret leaves it
    /// waiting in `CreateContainerConfigError` (tried again every tick), as a real kubelet does.
    func startContainer(_ key: String, now: Date) {
        guard var pod = pods[key] else { return }
        if let missing = missingVolumeSource(of: pod) {
            // The container waits in ContainerCreating until the volume can be set up.
            let message = "MountVolume.SetUp failed for volume \"\(missing.volume)\" : \(missing.reason)"
            guard pod.container != .waiting(reason: "ContainerCreating", message: message) else { return }
            pod.container = .waiting(reason: "ContainerCreating", message: message)
            recordEvent(pod, type: "Warning", reason: "FailedMount", message: message, component: "kubelet")
            pod.resourceVersion = nextResourceVersion()
            pods[key] = pod
            publish("MODIFIED", pod)
            return
        }
        switch environment(of: pod) {
        case .failure(let problem):
            guard pod.container != .waiting(reason: "CreateContainerConfigError", message: problem.message) else {
                return
            }
            pod.container = .waiting(reason: "CreateContainerConfigError", message: problem.message)
            recordEvent(
                pod, type: "Warning", reason: "Failed", message: "Error: \(problem.message)", component: "kubelet")
        case .success(let environment) where !pod.isInitialized:
            guard pod.initStatuses.isEmpty else { return }
            pod.container = .waiting(reason: "PodInitializing", message: nil)
            kubelet.runInitContainers(podKey: key, spec: pod.spec, environment: environment, cluster: self)
        case .success(let environment):
            recordEvent(
                pod, type: "Normal", reason: "Created", message: "Created container \(pod.containerName)",
                component: "kubelet")
            recordEvent(
                pod, type: "Normal", reason: "Started", message: "Started container \(pod.containerName)",
                component: "kubelet")
            pod.container = .running(startedAt: now)
            kubelet.start(podKey: key, spec: pod.spec, environment: environment, cluster: self)
        }
        pod.resourceVersion = nextResourceVersion()
        pods[key] = pod
        publish("MODIFIED", pod)
    }

    /// The cluster autoscaler's scale-up: packs the pods that fit nowhere onto new nodes of the
    /// first pool whose node shape would take them, within the pool's maximum.
    private func planScaleUps(now: Date) {
        var virtualNodes: [String: [NodeUsage]] = [:]
        var triggered: [String: [SimPod]] = [:]
        for pod in pods.values.sorted(by: { $0.createdAt < $1.createdAt }) {
            guard pod.nodeName == nil, pod.unschedulableMessage != nil, !pod.isFinished else { continue }
            for pool in configuration.nodePools {
                let template = SimNode(
                    name: "template", labels: pool.nodeLabels, taints: pool.taints ?? [],
                    cpuMillicores: pool.cpuMillicores, memoryBytes: pool.memoryBytes, maxPods: pool.podLimit)
                guard Placement.misfit(pod.requirements, on: template, used: NodeUsage()) == nil else { continue }
                var bins = virtualNodes[pool.name] ?? []
                if let index = bins.firstIndex(where: {
                    Placement.misfit(pod.requirements, on: template, used: $0) == nil
                }) {
                    bins[index].add(pod.requirements)
                } else {
                    var bin = NodeUsage()
                    bin.add(pod.requirements)
                    bins.append(bin)
                }
                virtualNodes[pool.name] = bins
                triggered[pool.name, default: []].append(pod)
                break
            }
        }
        for pool in configuration.nodePools {
            let needed = virtualNodes[pool.name]?.count ?? 0
            let pending = pendingScaleUps[pool.name]?.count ?? 0
            let current = nodes.values.filter { $0.pool == pool.name }.count
            let add = min(needed - pending, pool.maximum - current - pending)
            guard add > 0 else { continue }
            pendingScaleUps[pool.name, default: []] += Array(
                repeating: now.addingTimeInterval(configuration.scaleUpDelay), count: add)
            let message =
                "pod triggered scale-up: [{\(pool.name) \(current)->\(current + pending + add) (max: \(pool.maximum))}]"
            for pod in triggered[pool.name] ?? [] {
                recordEvent(
                    pod, type: "Normal", reason: "TriggeredScaleUp", message: message, component: "cluster-autoscaler")
            }
            logger.info(
                "scale-up", metadata: ["pool": "\(pool.name)", "nodes": "\(current)->\(current + pending + add)"])
        }
    }

    /// The cluster autoscaler's scale-down: empty nodes above the pool's minimum go after the idle time.
    private func scaleDown(now: Date) {
        for pool in configuration.nodePools {
            var count = nodes.values.filter { $0.pool == pool.name }.count
            for record in nodes.values.filter({ $0.pool == pool.name }).sorted(by: { $0.node.name < $1.node.name }) {
                guard count > pool.minimum, let since = record.emptySince,
                    now.timeIntervalSince(since) >= configuration.scaleDownIdle,
                    !pods.values.contains(where: { $0.nodeName == record.node.name && !$0.isFinished })
                else { continue }
                nodes[record.node.name] = nil
                count -= 1
                logger.info("scale-down", metadata: ["pool": "\(pool.name)", "node": "\(record.node.name)"])
            }
        }
    }
}
