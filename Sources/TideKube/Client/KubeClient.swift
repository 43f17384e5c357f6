import Foundation
import TideCore
import TideHTTP

/// A Kubernetes REST client for the calls Tide makes: pods (create, get, list, patch, delete,
/// watch, logs) and events.
///
/// Every call has a timeout. Calls that change nothing, and deletes, are retried with
/// exponential back-off (or the server's `Retry-After`, when longer) on throttling (429), server
/// errors (5xx) and connection failures. A
/// create is retried too: the caller chose the pod's name, so a create whose answer was lost
/// comes back as 409 `AlreadyExists`, which the caller resolves by looking the pod up.
/// Streams (watches, followed logs) run on one shared libcurl multi handle: hundreds cost no
/// thread each.
public final class KubeClient: Sendable {
    public let connection: KubeConnection
    let http: CurlMultiClient
    /// Attempts per request (the first included). Default 6: about 6 s of back-off in all.
    let maxAttempts: Int
    /// Seconds for a request that is not a stream. Default 30.
    let requestTimeoutSeconds: Double

    /// - Parameters:
    ///   - http: the transfer engine; pass one to share it, or a new one is made.
    public init(
        connection: KubeConnection, http: CurlMultiClient = CurlMultiClient(name: "kube"), maxAttempts: Int = 6,
        requestTimeoutSeconds: Double = 30
    ) {
        self.connection = connection
        self.http = http
        self.maxAttempts = max(1, maxAttempts)
        self.requestTimeoutSeconds = requestTimeoutSeconds
    }

    /// Stops the transfer engine; open streams end with an error.
    public func close() { http.close() }

    // MARK: Pods

    /// Creates a pod from a manifest.
    /// - Throws: ``KubeAPIError`` (`isConflict` when a pod of that name exists).
    public func createPod(_ manifest: JSONValue, namespace: String) async throws -> PodStatus {
        let object = try await call("POST", "/api/v1/namespaces/\(namespace)/pods", body: manifest, what: "create pod")
        return try pod(from: object, what: "create pod")
    }

    /// The pod, or nil when there is none of that name.
    public func pod(namespace: String, name: String) async throws -> PodStatus? {
        do {
            let object = try await call("GET", "/api/v1/namespaces/\(namespace)/pods/\(name)", what: "get pod \(name)")
            return try pod(from: object, what: "get pod \(name)")
        } catch let error as KubeAPIError where error.isNotFound {
            return nil
        }
    }

    /// Pods matching the selectors, and the list's resource version (to watch from).
    public func pods(namespace: String, labelSelector: String? = nil, fieldSelector: String? = nil) async throws -> (
        pods: [PodStatus], resourceVersion: String
    ) {
        var query: [(String, String)] = []
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        let list = try await call("GET", "/api/v1/namespaces/\(namespace)/pods", query: query, what: "list pods")
        let pods = (list["items"]?.array ?? []).compactMap { PodStatus($0) }
        return (pods, list[path: "metadata", "resourceVersion"]?.string ?? "")
    }

    /// Merges labels into a pod's labels.
    public func labelPod(namespace: String, name: String, labels: [String: String]) async throws {
        let patch: JSONValue = .object(["metadata": .object(["labels": .object(labels.mapValues(JSONValue.string))])])
        _ = try await call(
            "PATCH", "/api/v1/namespaces/\(namespace)/pods/\(name)", body: patch,
            contentType: "application/merge-patch+json", what: "label pod \(name)")
    }

    /// Deletes a pod.
    /// - Parameter gracePeriodSeconds: time the container gets between SIGTERM and SIGKILL; nil keeps the pod's.
    /// - Returns: false when the pod was already gone.
    @discardableResult
    public func deletePod(namespace: String, name: String, gracePeriodSeconds: Int? = nil) async throws -> Bool {
        var query: [(String, String)] = []
        if let gracePeriodSeconds { query.append(("gracePeriodSeconds", String(gracePeriodSeconds))) }
        do {
            _ = try await call(
                "DELETE", "/api/v1/namespaces/\(namespace)/pods/\(name)", query: query, what: "delete pod \(name)")
            return true
        } catch let error as KubeAPIError where error.isNotFound {
            return false
        }
    }

    /// A Secret's values, decoded from base64.
    /// - Throws: ``KubeAPIError`` (`isNotFound`, or 403 without `get` on secrets).
    public func secretValues(namespace: String, name: String) async throws -> [String: String] {
        let secret = try await call(
            "GET", "/api/v1/namespaces/\(namespace)/secrets/\(name)", what: "read secret \(name)")
        guard case .object(let data)? = secret["data"] else { return [:] }
        var values: [String: String] = [:]
        for (key, value) in data {
            guard let encoded = value.string, let decoded = Data(base64Encoded: encoded) else { continue }
            values[key] = String(decoding: decoded, as: UTF8.self)
        }
        return values
    }

    /// Creates a Secret from plain values (`stringData`).
    /// - Throws: ``KubeAPIError`` (`isConflict` when it exists).
    public func createSecret(name: String, namespace: String, values: [String: String]) async throws {
        let secret: JSONValue = .object([
            "apiVersion": "v1", "kind": "Secret", "metadata": .object(["name": .string(name)]),
            "stringData": .object(values.mapValues(JSONValue.string)),
        ])
        _ = try await call(
            "POST", "/api/v1/namespaces/\(namespace)/secrets", body: secret, what: "create secret \(name)")
    }

    /// The names of the nodes matching a label selector (e.g. one node pool's).
    public func nodeNames(labelSelector: String? = nil) async throws -> [String] {
        let list = try await call(
            "GET", "/api/v1/nodes", query: labelSelector.map { [("labelSelector", $0)] } ?? [], what: "list nodes")
        return (list["items"]?.array ?? []).compactMap { $0[path: "metadata", "name"]?.string }.sorted()
    }

    /// The events about a pod, oldest first, as `Type Reason: message` lines (repeats counted).
    public func podEvents(namespace: String, name: String) async throws -> [String] {
        let list = try await call(
            "GET", "/api/v1/namespaces/\(namespace)/events",
            query: [("fieldSelector", "involvedObject.kind=Pod,involvedObject.name=\(name)")], what: "list events")
        return (list["items"]?.array ?? []).map { event in
            let count = event["count"].flatMap { value -> Int? in
                if case .number(let number) = value { return Int(number) }
                return nil
            }
            let repeats = (count ?? 1) > 1 ? " (x\(count ?? 1))" : ""
            return "\(event["type"]?.string ?? "Normal") \(event["reason"]?.string ?? ""): "
                + "\(event["message"]?.string ?? "")\(repeats)"
        }
    }

    /// A watch on pods: one event per change after `resourceVersion`, until the server ends it
    /// (after `timeoutSeconds`) or the caller stops iterating.
    /// - Throws: from the stream, ``KubeAPIError`` with `isGone` when the version is too old.
    public func watchPods(
        namespace: String, labelSelector: String? = nil, fieldSelector: String? = nil, resourceVersion: String,
        timeoutSeconds: Int = 300
    ) async throws -> AsyncThrowingStream<WatchEvent, any Error> {
        var query: [(String, String)] = [
            ("watch", "true"), ("resourceVersion", resourceVersion), ("timeoutSeconds", String(timeoutSeconds)),
            ("allowWatchBookmarks", "true"),
        ]
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        let what = "watch pods"
        let response = try await open("/api/v1/namespaces/\(namespace)/pods", query: query, what: what)
        let (events, continuation) = AsyncThrowingStream<WatchEvent, any Error>.makeStream()
        let reader = Task {
            var lines = LineSplitter()
            do {
                for try await chunk in response.body {
                    for line in lines.append(chunk) {
                        guard let event = try WatchEvent(line: line, what: what) else { continue }
                        continuation.yield(event)
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: Self.describe(error, what: what))
            }
        }
        continuation.onTermination = { _ in reader.cancel() }
        return events
    }

    /// The container's log from the start, followed while the container runs.
    /// - Throws: ``KubeAPIError`` when the server refuses (e.g. 400 while the container is waiting).
    public func followLog(namespace: String, name: String, container: String) async throws
        -> AsyncThrowingStream<[UInt8], any Error>
    {
        let response = try await open(
            "/api/v1/namespaces/\(namespace)/pods/\(name)/log", query: [("container", container), ("follow", "true")],
            what: "logs of pod \(name)")
        return response.body
    }

    // MARK: Requests

    /// One request with retries; the answer's JSON.
    func call(
        _ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil,
        contentType: String = "application/json", what: String
    ) async throws -> JSONValue {
        var headers = baseHeaders
        if body != nil { headers.append("Content-Type: \(contentType)") }
        let request = HTTPRequest(
            method, url(path, query), headers: headers, body: body?.encoded(), timeoutSeconds: requestTimeoutSeconds,
            connectTimeoutSeconds: min(10, requestTimeoutSeconds), tls: tls)
        return try await retrying(what) {
            let response = try await http.send(request)
            guard (200..<300).contains(response.status) else {
                throw KubeAPIError.from(
                    response: response.status, body: response.body, request: what,
                    retryAfterSeconds: response.retryAfterSeconds)
            }
            do {
                return try JSONValue.decode(response.body)
            } catch {
                throw KubeAPIError(
                    status: response.status, reason: nil, message: "the answer is not JSON", request: what)
            }
        }
    }

    /// Opens a stream, retrying while no response arrives or the server is busy.
    private func open(_ path: String, query: [(String, String)], what: String) async throws -> HTTPStream {
        let request = HTTPRequest(
            "GET", url(path, query), headers: baseHeaders, timeoutSeconds: nil, connectTimeoutSeconds: 10, tls: tls)
        return try await retrying(what) {
            let response = try await http.stream(request)
            guard (200..<300).contains(response.status) else {
                var body: [UInt8] = []
                for try await chunk in response.body where body.count < 64 * 1024 { body += chunk }
                throw KubeAPIError.from(response: response.status, body: body, request: what)
            }
            return response
        }
    }

    /// Runs `attempt` until it succeeds, fails for good, or `maxAttempts` are used up; transient
    /// failures wait the back-off, or the server's `Retry-After` when longer (at most 30 s, so a
    /// bad header cannot stall us).
    private func retrying<T>(_ what: String, _ attempt: () async throws -> T) async throws -> T {
        var attempts = 1
        while true {
            do {
                return try await attempt()
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let failure = Self.describe(error, what: what)
                guard failure.isTransient, attempts < maxAttempts else { throw failure }
                let wait = max(Self.backoff(attempt: attempts), min(failure.retryAfterSeconds ?? 0, 30))
                try await Task.sleep(for: .seconds(wait))
                attempts += 1
            }
        }
    }

    private var baseHeaders: [String] {
        var headers = ["Accept: application/json", "User-Agent: tide"]
        if let token = connection.bearerToken { headers.append("Authorization: Bearer \(token)") }
        return headers
    }

    private var tls: TLSSettings {
        TLSSettings(
            certificateAuthorityPEM: connection.certificateAuthorityPEM,
            clientCertificatePEM: connection.clientCertificatePEM, clientKeyPEM: connection.clientKeyPEM,
            verifyPeer: !connection.insecureSkipTLSVerify)
    }

    func url(_ path: String, _ query: [(String, String)]) -> String {
        var server = connection.server
        while server.hasSuffix("/") { server.removeLast() }
        guard !query.isEmpty else { return server + path }
        return server + path + "?" + query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
    }

    private static let unreserved = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    private static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// Seconds before attempt `attempt + 1`: 0.2, 0.4, 0.8 … at most 5, with up to 20% jitter.
    public static func backoff(attempt: Int) -> Double {
        let base = min(5, 0.2 * pow(2, Double(attempt - 1)))
        return base * Double.random(in: 0.8...1.0)
    }

    static func describe(_ error: any Error, what: String) -> KubeAPIError {
        if let error = error as? KubeAPIError { return error }
        if let error = error as? HTTPClientError {
            // Only transport errors that may pass are transient; a bad URL or TLS failure is not.
            return KubeAPIError(
                status: nil, reason: error.code.description, message: error.message, request: what,
                transient: error.isTransient)
        }
        return KubeAPIError(status: nil, reason: nil, message: "\(error)", request: what)
    }

    private func pod(from object: JSONValue, what: String) throws -> PodStatus {
        guard let pod = PodStatus(object) else {
            throw KubeAPIError(status: nil, reason: nil, message: "the answer is not a Pod", request: what)
        }
        return pod
    }
}
