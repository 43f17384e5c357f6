import Foundation
import Logging
import TideCore

/// The state of the simulated cluster (pods, nodes, events) and the API operations on it.
///
/// One actor owns everything, so every operation sees a consistent cluster; watches and
/// followed logs are fed from here as changes happen.
actor SimCluster {
    struct WatchEvent: Sendable {
        var type: String
        var object: JSONValue
        var namespace: String
        var resourceVersion: Int
    }

    private struct Watcher {
        var namespace: String?
        var labels: LabelSelector
        var fields: FieldSelector
        var continuation: AsyncStream<WatchEvent>.Continuation
    }

    let configuration: SimConfiguration
    let logger: Logger
    var pods: [String: SimPod] = [:]
    var nodes: [String: SimNodeRecord] = [:]
    var events: [String: SimEvent] = [:]
    /// Secrets by `namespace/name`: their data, decoded.
    var secrets: [String: [String: String]] = [:]
    /// Scale-ups under way: pool → times the new nodes become Ready.
    var pendingScaleUps: [String: [Date]] = [:]
    private(set) var resourceVersion = 1
    private var history: [WatchEvent] = []
    /// Watches from versions below this get 410 Gone (set by ``compactHistory()``).
    private var compactedBefore = 0
    private var watchers: [Int: Watcher] = [:]
    private var logFollowers: [String: [Int: AsyncStream<[UInt8]>.Continuation]] = [:]
    private var nextID = 0
    let kubelet: SimKubelet
    static let historyLimit = 2000

    init(configuration: SimConfiguration, logger: Logger, containerPath: [String] = []) {
        self.configuration = configuration
        self.logger = logger
        kubelet = SimKubelet(logger: logger, extraPath: containerPath)
        let now = Date()
        for pool in configuration.nodePools {
            for _ in 0..<pool.minimum {
                let record = Self.makeNode(pool: pool, now: now, resourceVersion: 1)
                nodes[record.node.name] = record
            }
        }
    }

    func nextResourceVersion() -> Int {
        resourceVersion += 1
        return resourceVersion
    }

    func uniqueID() -> Int {
        nextID += 1
        return nextID
    }

    // MARK: Pods

    func createPod(namespace: String, body: JSONValue) throws(SimAPIError) -> JSONValue {
        guard case .object(let root) = body else { throw .badRequest("the request body is not a JSON object") }
        if let kind = root["kind"]?.string, kind != "Pod" {
            throw .badRequest("expected kind Pod, got \(kind)")
        }
        var metadata = root["metadata"]?.object ?? [:]
        var name = metadata["name"]?.string ?? ""
        if name.isEmpty, let prefix = metadata["generateName"]?.string {
            name = prefix + SimRandom.suffix(5)
        }
        guard KubeNaming.isDNSSubdomain(name) else {
            throw .invalid(
                "Pod", name,
                "metadata.name: Invalid value: \"\(name)\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
            )
        }
        if let declared = metadata["namespace"]?.string, declared != namespace {
            throw .badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
        guard let spec = root["spec"]?.object, let containers = spec["containers"]?.array, !containers.isEmpty else {
            throw .invalid("Pod", name, "spec.containers: Required value")
        }
        for (index, container) in containers.enumerated() {
            guard container["name"]?.string?.isEmpty == false else {
                throw .invalid("Pod", name, "spec.containers[\(index)].name: Required value")
            }
            guard container["image"]?.string?.isEmpty == false else {
                throw .invalid("Pod", name, "spec.containers[\(index)].image: Required value")
            }
        }
        if let problem = SimPodValidation.problem(in: spec) { throw .invalid("Pod", name, problem) }
        for (key, value) in metadata["labels"]?.object ?? [:] {
            guard KubeNaming.isValidLabelKey(key), let text = value.string, KubeNaming.isValidLabelValue(text) else {
                throw .invalid("Pod", name, "metadata.labels: Invalid value: \"\(key)\"")
            }
        }
        let key = "\(namespace)/\(name)"
        guard pods[key] == nil else {
            throw SimAPIError(code: 409, reason: "AlreadyExists", message: "pods \"\(name)\" already exists")
        }
        metadata["name"] = nil
        metadata["namespace"] = nil
        var pod = SimPod(
            namespace: namespace, name: name, uid: UUID().uuidString.lowercased(), createdAt: Date(),
            metadata: metadata, spec: spec, requirements: PodRequirements(pod: body))
        pod.resourceVersion = nextResourceVersion()
        pods[key] = pod
        publish("ADDED", pod)
        logger.info("pod created", metadata: ["pod": "\(key)"])
        schedulePending(now: Date())
        return pods[key]?.json() ?? pod.json()
    }

    func pod(namespace: String, name: String) throws(SimAPIError) -> JSONValue {
        guard let pod = pods["\(namespace)/\(name)"] else { throw .notFound("pods", name) }
        return pod.json()
    }

    func listPods(namespace: String?, labels: LabelSelector, fields: FieldSelector) -> JSONValue {
        let items = pods.values
            .filter { namespace == nil || $0.namespace == namespace }
            .sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
            .map { $0.json() }
            .filter { labels.matches(labelsOf($0)) && fields.matches($0) }
        return list(kind: "PodList", items: items)
    }

    /// Merges `metadata.labels` / `metadata.annotations` of a JSON merge patch into the pod.
    func patchPod(namespace: String, name: String, patch: JSONValue) throws(SimAPIError) -> JSONValue {
        let key = "\(namespace)/\(name)"
        guard var pod = pods[key] else { throw .notFound("pods", name) }
        guard case .object(let root) = patch else { throw .badRequest("the patch is not a JSON object") }
        for (field, value) in root["metadata"]?.object ?? [:] where field == "labels" || field == "annotations" {
            var merged = pod.metadata[field]?.object ?? [:]
            for (entry, newValue) in value.object ?? [:] { merged[entry] = newValue == .null ? nil : newValue }
            pod.metadata[field] = .object(merged)
        }
        pod.resourceVersion = nextResourceVersion()
        pods[key] = pod
        publish("MODIFIED", pod)
        return pod.json()
    }

    /// Deletes at once (the container gets SIGTERM, then SIGKILL) and answers with the pod.
    func deletePod(namespace: String, name: String) throws(SimAPIError) -> JSONValue {
        let key = "\(namespace)/\(name)"
        guard var pod = pods.removeValue(forKey: key) else { throw .notFound("pods", name) }
        pod.resourceVersion = nextResourceVersion()
        if pod.hasStarted, !pod.isFinished {
            recordEvent(
                pod, type: "Normal", reason: "Killing", message: "Stopping container \(pod.containerName)",
                component: "kubelet")
        }
        if let group = pod.processGroup { kubelet.stop(processGroup: group) }
        publish("DELETED", pod)
        finishLogFollowers(key)
        if let nodeName = pod.nodeName { markEmptyIfIdle(nodeName, now: Date()) }
        logger.info("pod deleted", metadata: ["pod": "\(key)"])
        return pod.json()
    }

    // MARK: Watches

    /// Watch events after `resourceVersion` (or the current objects as ADDED when nil), then live
    /// changes until the stream is dropped.
    /// - Throws: 410 Expired when `resourceVersion` is older than the kept history.
    func watchPods(namespace: String?, labels: LabelSelector, fields: FieldSelector, from version: Int?)
        throws(SimAPIError) -> AsyncStream<WatchEvent>
    {
        let (stream, continuation) = AsyncStream<WatchEvent>.makeStream()
        let matches = { (event: WatchEvent) -> Bool in
            (namespace == nil || event.namespace == namespace) && labels.matches(self.labelsOf(event.object))
                && fields.matches(event.object)
        }
        if let version, version > 0 {
            let oldestKept = max(compactedBefore, (history.first?.resourceVersion ?? 0) - 1)
            if version < oldestKept {
                throw SimAPIError(
                    code: 410, reason: "Expired", message: "too old resource version: \(version) (\(oldestKept))")
            }
            for event in history where event.resourceVersion > version && matches(event) { continuation.yield(event) }
        } else {
            for pod in pods.values.sorted(by: { $0.resourceVersion < $1.resourceVersion }) {
                let event = WatchEvent(
                    type: "ADDED", object: pod.json(), namespace: pod.namespace, resourceVersion: pod.resourceVersion)
                if matches(event) { continuation.yield(event) }
            }
        }
        let id = uniqueID()
        watchers[id] = Watcher(namespace: namespace, labels: labels, fields: fields, continuation: continuation)
        continuation.onTermination = { _ in Task { await self.dropWatcher(id) } }
        return stream
    }

    private func dropWatcher(_ id: Int) { watchers[id] = nil }

    /// Ends every watch and followed log (the server is shutting down).
    func closeStreams() {
        for watcher in watchers.values { watcher.continuation.finish() }
        watchers.removeAll()
        for followers in logFollowers.values { for continuation in followers.values { continuation.finish() } }
        logFollowers.removeAll()
    }

    /// Records a pod change for watchers and the resume history.
    func publish(_ type: String, _ pod: SimPod) {
        let event = WatchEvent(
            type: type, object: pod.json(), namespace: pod.namespace, resourceVersion: pod.resourceVersion)
        history.append(event)
        if history.count > Self.historyLimit { history.removeFirst(history.count - Self.historyLimit) }
        for watcher in watchers.values {
            guard watcher.namespace == nil || watcher.namespace == pod.namespace else { continue }
            guard watcher.labels.matches(pod.labels), watcher.fields.matches(event.object) else { continue }
            watcher.continuation.yield(event)
        }
    }

    /// Forgets the history up to now, so a watch from an older version gets 410 Gone (for tests).
    func compactHistory() {
        history.removeAll()
        compactedBefore = nextResourceVersion()
    }

    // MARK: Logs

    /// The container's output so far and, when `follow`, what it writes until it ends.
    func podLog(namespace: String, name: String, container: String?, follow: Bool, tailLines: Int?)
        throws(SimAPIError) -> (initial: [UInt8], more: AsyncStream<[UInt8]>?)
    {
        let key = "\(namespace)/\(name)"
        guard let pod = pods[key] else { throw .notFound("pods", name) }
        if let container, container != pod.containerName {
            throw .badRequest("container \(container) is not valid for pod \(name)")
        }
        guard pod.hasStarted else {
            var reason = "ContainerCreating"
            if case .waiting(let waiting, _) = pod.container { reason = waiting }
            throw .badRequest("container \"\(pod.containerName)\" in pod \"\(name)\" is waiting to start: \(reason)")
        }
        var initial = pod.log
        if let tailLines {
            let lines = initial.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            let kept = lines.suffix(tailLines + (initial.last == UInt8(ascii: "\n") ? 1 : 0))
            initial = Array(kept.joined(separator: [UInt8(ascii: "\n")]))
        }
        guard follow, !pod.isFinished else { return (initial, nil) }
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        let id = uniqueID()
        logFollowers[key, default: [:]][id] = continuation
        continuation.onTermination = { _ in Task { await self.dropFollower(key, id) } }
        return (initial, stream)
    }

    private func dropFollower(_ key: String, _ id: Int) { logFollowers[key]?[id] = nil }

    private func finishLogFollowers(_ key: String) {
        for continuation in (logFollowers.removeValue(forKey: key) ?? [:]).values { continuation.finish() }
    }

    // MARK: Kubelet reports

    func appendLog(_ key: String, _ bytes: [UInt8]) {
        guard pods[key] != nil else { return }
        pods[key]?.log.append(contentsOf: bytes)
        for continuation in logFollowers[key]?.values ?? [:].values { continuation.yield(bytes) }
    }

    func containerStarted(_ key: String, processGroup: pid_t) {
        guard var pod = pods[key] else {
            kubelet.stop(processGroup: processGroup)
            return
        }
        pod.processGroup = processGroup
        pods[key] = pod
    }

    /// An init container's process started.
    func initContainerStarted(_ key: String, name: String) {
        guard var pod = pods[key] else { return }
        pod.initStatuses.append((name, .running(startedAt: Date())))
        recordEvent(pod, type: "Normal", reason: "Created", message: "Created container \(name)", component: "kubelet")
        recordEvent(pod, type: "Normal", reason: "Started", message: "Started container \(name)", component: "kubelet")
        pod.resourceVersion = nextResourceVersion()
        pods[key] = pod
        publish("MODIFIED", pod)
    }

    /// An init container ended. A failure fails the pod (restartPolicy Never); after the last
    /// success the main container starts.
    /// - Returns: whether the next init container should run.
    func initContainerExited(_ key: String, name: String, exitCode: Int32, reason: String) -> Bool {
        guard var pod = pods[key], let index = pod.initStatuses.lastIndex(where: { $0.name == name }),
            case .running(let startedAt) = pod.initStatuses[index].state
        else { return false }
        let now = Date()
        pod.initStatuses[index].state = .terminated(
            exitCode: exitCode, reason: reason, startedAt: startedAt, finishedAt: now)
        pod.processGroup = nil
        pod.resourceVersion = nextResourceVersion()
        pods[key] = pod
        if exitCode != 0 {
            publish("MODIFIED", pod)
            finishLogFollowers(key)
            if let nodeName = pod.nodeName { markEmptyIfIdle(nodeName, now: now) }
            logger.info("init container failed", metadata: ["pod": "\(key)", "container": "\(name)"])
            return false
        }
        if pod.isInitialized {
            startContainer(key, now: now)
            return false
        }
        publish("MODIFIED", pod)
        return true
    }

    func containerExited(_ key: String, exitCode: Int32, reason: String, message: String? = nil) {
        guard var pod = pods[key], case .running(let startedAt) = pod.container else { return }
        let now = Date()
        pod.container = .terminated(exitCode: exitCode, reason: reason, startedAt: startedAt, finishedAt: now)
        pod.terminationMessage = message
        pod.processGroup = nil
        pod.resourceVersion = nextResourceVersion()
        pods[key] = pod
        publish("MODIFIED", pod)
        finishLogFollowers(key)
        if let nodeName = pod.nodeName { markEmptyIfIdle(nodeName, now: now) }
        logger.info("container exited", metadata: ["pod": "\(key)", "exit.code": "\(exitCode)"])
    }

    // MARK: Events and nodes

    func listEvents(namespace: String?, fields: FieldSelector) -> JSONValue {
        let items = events.values
            .filter { namespace == nil || $0.namespace == namespace }
            .sorted { ($0.firstSeen, $0.resourceVersion) < ($1.firstSeen, $1.resourceVersion) }
            .map { $0.json() }
            .filter(fields.matches)
        return list(kind: "EventList", items: items)
    }

    /// Records an event about a pod, counting repeats of the same reason and message.
    func recordEvent(_ pod: SimPod, type: String, reason: String, message: String, component: String) {
        let key = "\(pod.uid)|\(reason)|\(message)"
        let now = Date()
        if var existing = events[key] {
            existing.count += 1
            existing.lastSeen = now
            existing.resourceVersion = nextResourceVersion()
            events[key] = existing
            return
        }
        events[key] = SimEvent(
            namespace: pod.namespace, name: "\(pod.name).\(String(uniqueID(), radix: 16))",
            uid: UUID().uuidString.lowercased(), involvedKind: "Pod", involvedName: pod.name,
            involvedUID: pod.uid, type: type, reason: reason, message: message, component: component,
            firstSeen: now, lastSeen: now, resourceVersion: nextResourceVersion())
    }

    func listNodes(labels: LabelSelector) -> JSONValue {
        let items = nodes.values.sorted { $0.node.name < $1.node.name }.map { $0.json() }
            .filter { labels.matches(labelsOf($0)) }
        return list(kind: "NodeList", items: items)
    }

    func node(name: String) throws(SimAPIError) -> JSONValue {
        guard let node = nodes[name] else { throw .notFound("nodes", name) }
        return node.json()
    }

    @discardableResult
    func addNode(pool: SimConfiguration.Pool, now: Date) -> String {
        let record = Self.makeNode(pool: pool, now: now, resourceVersion: nextResourceVersion())
        nodes[record.node.name] = record
        logger.info("node added", metadata: ["node": "\(record.node.name)", "pool": "\(pool.name)"])
        return record.node.name
    }

    private static func makeNode(pool: SimConfiguration.Pool, now: Date, resourceVersion: Int) -> SimNodeRecord {
        let name = "gke-tide-sim-\(pool.name)-\(SimRandom.suffix(8))"
        var labels = pool.nodeLabels
        labels["kubernetes.io/hostname"] = name
        labels["kubernetes.io/os"] = "linux"
        labels["node.kubernetes.io/instance-type"] = "sim-\(pool.cpuMillicores / 1000)cpu"
        let node = SimNode(
            name: name, labels: labels, taints: pool.taints ?? [], cpuMillicores: pool.cpuMillicores,
            memoryBytes: pool.memoryBytes, maxPods: pool.podLimit)
        return SimNodeRecord(
            node: node, pool: pool.name, createdAt: now, uid: UUID().uuidString.lowercased(),
            resourceVersion: resourceVersion, emptySince: now)
    }

    func markEmptyIfIdle(_ nodeName: String, now: Date) {
        let busy = pods.values.contains { $0.nodeName == nodeName && !$0.isFinished }
        if !busy && nodes[nodeName]?.emptySince == nil { nodes[nodeName]?.emptySince = now }
    }

    nonisolated func labelsOf(_ object: JSONValue) -> [String: String] {
        object[path: "metadata", "labels"]?.object?.compactMapValues(\.string) ?? [:]
    }

    private func list(kind: String, items: [JSONValue]) -> JSONValue {
        .object([
            "apiVersion": "v1", "kind": .string(kind),
            "metadata": .object(["resourceVersion": .string(String(resourceVersion))]), "items": .array(items),
        ])
    }
}

/// Random lowercase suffixes for generated names.
enum SimRandom {
    static func suffix(_ length: Int) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<length).map { _ in alphabet.randomElement() ?? "x" })
    }
}
