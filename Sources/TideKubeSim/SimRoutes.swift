import Foundation
import Hummingbird
import NIOCore
import TideCore

/// The subset of the Kubernetes REST API that Tide and `kubectl get/describe/logs` use.
struct SimRoutes: Sendable {
    let cluster: SimCluster
    /// The bearer token every request must carry; nil accepts anonymous requests.
    let token: String?
    let serverAddress: @Sendable () -> String

    func register(on router: Router<BasicRequestContext>) {
        router.add(middleware: BearerTokenMiddleware(token: token))
        router.get("/version") { _, _ in
            json(
                .object([
                    "major": "1", "minor": "36", "gitVersion": "v1.36.0-tide-sim", "platform": "linux/amd64",
                    "goVersion": "n/a", "compiler": "tide-sim", "buildDate": "2026-01-01T00:00:00Z",
                    "gitCommit": "", "gitTreeState": "clean",
                ]))
        }
        router.get("/api") { _, _ in
            json(
                .object([
                    "kind": "APIVersions", "versions": .array(["v1"]),
                    "serverAddressByClientCIDRs": .array([
                        .object(["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress())])
                    ]),
                ]))
        }
        router.get("/apis") { _, _ in json(.object(["kind": "APIGroupList", "apiVersion": "v1", "groups": .array([])]))
        }
        router.get("/api/v1") { _, _ in json(Self.resourceList) }

        router.get("/api/v1/nodes") { request, _ in
            await respond(printing: request) { () async throws in
                await cluster.listNodes(labels: try labelSelector(request))
            }
        }
        router.get("/api/v1/nodes/:name") { request, context in
            await respond(printing: request) { () async throws in
                try await cluster.node(name: parameter(context, "name"))
            }
        }
        router.get("/api/v1/pods") { request, _ in try await pods(request, namespace: nil) }
        router.get("/api/v1/namespaces/:namespace/pods") { request, context in
            try await pods(request, namespace: parameter(context, "namespace"))
        }
        router.post("/api/v1/namespaces/:namespace/pods") { request, context in
            await respond(status: .created) { () async throws in
                try await cluster.createPod(
                    namespace: parameter(context, "namespace"), body: try await jsonBody(request, upTo: 4 << 20))
            }
        }
        router.get("/api/v1/namespaces/:namespace/pods/:name") { request, context in
            await respond(printing: request) { () async throws in
                try await cluster.pod(namespace: parameter(context, "namespace"), name: parameter(context, "name"))
            }
        }
        router.delete("/api/v1/namespaces/:namespace/pods/:name") { _, context in
            await respond { () async throws in
                try await cluster.deletePod(
                    namespace: parameter(context, "namespace"), name: parameter(context, "name"))
            }
        }
        router.patch("/api/v1/namespaces/:namespace/pods/:name") { request, context in
            await respond { () async throws in
                try await cluster.patchPod(
                    namespace: parameter(context, "namespace"), name: parameter(context, "name"),
                    patch: try await jsonBody(request, upTo: 1 << 20))
            }
        }
        router.get("/api/v1/namespaces/:namespace/pods/:name/log") { request, context in
            try await log(request, namespace: parameter(context, "namespace"), name: parameter(context, "name"))
        }
        router.post("/api/v1/namespaces/:namespace/secrets") { request, context in
            await respond(status: .created) { () async throws in
                try await cluster.createSecret(
                    namespace: parameter(context, "namespace"), body: try await jsonBody(request, upTo: 1 << 20))
            }
        }
        router.get("/api/v1/namespaces/:namespace/secrets/:name") { _, context in
            await respond { () async throws in
                try await cluster.secret(namespace: parameter(context, "namespace"), name: parameter(context, "name"))
            }
        }
        router.delete("/api/v1/namespaces/:namespace/secrets/:name") { _, context in
            await respond { () async throws in
                try await cluster.deleteSecret(
                    namespace: parameter(context, "namespace"), name: parameter(context, "name"))
            }
        }
        // `kubectl auth can-i`: allowed unless the configuration's `denied_access` lists it.
        router.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews") { request, _ in
            await respond(status: .created) { () async throws in
                let review = try await jsonBody(request, upTo: 1 << 16)
                let attributes = review[path: "spec", "resourceAttributes"]
                guard let verb = attributes?["verb"]?.string, let resource = attributes?["resource"]?.string else {
                    throw SimAPIError.badRequest("spec.resourceAttributes needs verb and resource")
                }
                let subresource = attributes?["subresource"]?.string.map { "/\($0)" } ?? ""
                let asked = "\(verb) \(resource)\(subresource)"
                let denied = (cluster.configuration.deniedAccess ?? []).contains(asked)
                var answer = review.object ?? [:]
                answer["status"] = .object(
                    denied
                        ? [
                            "allowed": .bool(false), "denied": .bool(true),
                            "reason": .string("denied by the simulator's denied_access"),
                        ]
                        : ["allowed": .bool(true), "reason": .string("allowed by the simulator")])
                return .object(answer)
            }
        }
        // Not Kubernetes: lets tests make a watch's resource version expire (410 Gone).
        router.post("/tide-sim/compact-history") { _, _ in
            await cluster.compactHistory()
            return json(.object(["compacted": .bool(true)]))
        }
        router.get("/api/v1/events") { request, _ in try await events(request, namespace: nil) }
        router.get("/api/v1/namespaces/:namespace/events") { request, context in
            try await events(request, namespace: parameter(context, "namespace"))
        }
    }

    private func pods(_ request: Request, namespace: String?) async throws -> Response {
        let query = request.uri.queryParameters
        if query["watch"].map({ $0 == "true" || $0 == "1" }) == true {
            return try await watch(request, namespace: namespace)
        }
        return await respond(printing: request) { () async throws in
            await cluster.listPods(
                namespace: namespace, labels: try labelSelector(request), fields: try fieldSelector(request))
        }
    }

    private func events(_ request: Request, namespace: String?) async throws -> Response {
        await respond { () async throws in
            await cluster.listEvents(namespace: namespace, fields: try fieldSelector(request))
        }
    }

    /// A watch: one JSON object per line (`{"type": …, "object": …}`) until `timeoutSeconds`.
    private func watch(_ request: Request, namespace: String?) async throws -> Response {
        let query = request.uri.queryParameters
        let version = query["resourceVersion"].flatMap { Int($0) }
        let timeout = query["timeoutSeconds"].flatMap { Double($0) } ?? 1800
        let stream: AsyncStream<SimCluster.WatchEvent>
        do {
            stream = try await cluster.watchPods(
                namespace: namespace, labels: try labelSelector(request), fields: try fieldSelector(request),
                from: version)
        } catch {
            if error.code == 410 {
                // Kubernetes answers an expired watch with 200 and an ERROR event carrying the Status.
                let line = JSONValue.object(["type": "ERROR", "object": error.status]).encoded() + [10]
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: line)))
            }
            return json(error.status, status: .init(code: error.code))
        }
        let body = ResponseBody { writer in
            // Lines pass through a stream so that the writer stays in this task while the watch
            // and its timeout run as child tasks.
            let (lines, output) = AsyncStream<[UInt8]>.makeStream()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await event in stream {
                        output.yield(
                            JSONValue.object(["type": .string(event.type), "object": event.object]).encoded() + [10])
                    }
                    output.finish()
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(timeout))
                    output.finish()
                }
                for await line in lines { try await writer.write(ByteBuffer(bytes: line)) }
                group.cancelAll()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
    }

    private func log(_ request: Request, namespace: String, name: String) async throws -> Response {
        let query = request.uri.queryParameters
        let follow = query["follow"].map { $0 == "true" || $0 == "1" } ?? false
        let tail = query["tailLines"].flatMap { Int($0) }
        let container = query["container"].map(String.init)
        let initial: [UInt8]
        let more: AsyncStream<[UInt8]>?
        do {
            (initial, more) = try await cluster.podLog(
                namespace: namespace, name: name, container: container, follow: follow, tailLines: tail)
        } catch {
            return json(error.status, status: .init(code: error.code))
        }
        let headers: HTTPFields = [.contentType: "text/plain"]
        guard let more else {
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: initial)))
        }
        let body = ResponseBody { writer in
            if !initial.isEmpty { try await writer.write(ByteBuffer(bytes: initial)) }
            for await chunk in more { try await writer.write(ByteBuffer(bytes: chunk)) }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    private static let resourceList: JSONValue = {
        func resource(_ name: String, _ kind: String, namespaced: Bool, verbs: [String], short: [String] = [])
            -> JSONValue
        {
            .object([
                "name": .string(name), "singularName": "", "namespaced": .bool(namespaced), "kind": .string(kind),
                "verbs": .array(verbs.map(JSONValue.string)), "shortNames": .array(short.map(JSONValue.string)),
            ])
        }
        return .object([
            "kind": "APIResourceList", "groupVersion": "v1",
            "resources": .array([
                resource(
                    "pods", "Pod", namespaced: true, verbs: ["create", "delete", "get", "list", "patch", "watch"],
                    short: ["po"]),
                resource("pods/log", "Pod", namespaced: true, verbs: ["get"]),
                resource("nodes", "Node", namespaced: false, verbs: ["get", "list"], short: ["no"]),
                resource("events", "Event", namespaced: true, verbs: ["get", "list"], short: ["ev"]),
                resource("secrets", "Secret", namespaced: true, verbs: ["create", "delete", "get"]),
            ]),
        ])
    }()
}

/// Rejects requests without the configured bearer token (401, like an API server).
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard let token else { return try await next(request, context) }
        let presented = request.headers[.authorization] ?? ""
        guard presented == "Bearer \(token)" else {
            let error = SimAPIError(code: 401, reason: "Unauthorized", message: "Unauthorized")
            return json(error.status, status: .unauthorized)
        }
        return try await next(request, context)
    }
}

/// The request's body as JSON; one that is not JSON is a 400 Bad Request.
private func jsonBody(_ request: Request, upTo limit: Int) async throws -> JSONValue {
    var request = request
    let body = try await request.collectBody(upTo: limit)
    do {
        return try JSONValue.decode(Array(buffer: body))
    } catch {
        throw SimAPIError.badRequest("the request body is not valid JSON: \(error)")
    }
}

private func parameter(_ context: BasicRequestContext, _ name: String) -> String {
    context.parameters.get(name) ?? ""
}

private func labelSelector(_ request: Request) throws(SimAPIError) -> LabelSelector {
    do {
        return try LabelSelector(selectorText(request, "labelSelector"))
    } catch {
        throw .badRequest("unable to parse requirement: \(error.message)")
    }
}

private func fieldSelector(_ request: Request) throws(SimAPIError) -> FieldSelector {
    do {
        return try FieldSelector(selectorText(request, "fieldSelector"))
    } catch {
        throw .badRequest(error.message)
    }
}

/// A selector query parameter; `+` is a space in form encoding (kubectl sends `env+in+(a,b)`).
private func selectorText(_ request: Request, _ name: String) -> String {
    (request.uri.queryParameters[Substring(name)].map(String.init) ?? "").replacingOccurrences(of: "+", with: " ")
}

/// Answers with the body's JSON, or with a `Status` for an error. With `printing`, a request
/// that asks for a Table (kubectl get) gets one.
private func respond(
    printing request: Request? = nil, status: HTTPResponse.Status = .ok, _ body: () async throws -> JSONValue
) async -> Response {
    do {
        let value = try await body()
        if let request, SimTable.wanted(accept: request.headers[.accept]), let table = SimTable.table(for: value) {
            return json(table, status: status)
        }
        return json(value, status: status)
    } catch let error as SimAPIError {
        return json(error.status, status: .init(code: error.code))
    } catch {
        let failure = SimAPIError(code: 500, reason: "InternalError", message: "\(error)")
        return json(failure.status, status: .internalServerError)
    }
}

func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
    Response(
        status: status, headers: [.contentType: "application/json"],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.encoded())))
}
