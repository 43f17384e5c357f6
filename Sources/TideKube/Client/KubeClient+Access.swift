import TideCore

extension KubeClient {
    /// The API server's `gitVersion` (`GET /version`): whether it answers at all.
    public func serverVersion() async throws -> String {
        let object = try await call("GET", "/version", what: "get the server version")
        return object["gitVersion"]?.string ?? "unknown"
    }

    /// Whether this connection's identity may `verb` the `resource` (`pods`, `pods/log`, …) in
    /// `namespace`, as a `SelfSubjectAccessReview` answers (what `kubectl auth can-i` asks).
    public func canI(_ verb: String, _ resource: String, namespace: String) async throws -> Bool {
        let parts = resource.split(separator: "/", maxSplits: 1).map(String.init)
        var attributes: [String: JSONValue] = [
            "namespace": .string(namespace), "verb": .string(verb), "resource": .string(parts.first ?? resource),
        ]
        if parts.count == 2 { attributes["subresource"] = .string(parts[1]) }
        let review: JSONValue = .object([
            "apiVersion": .string("authorization.k8s.io/v1"), "kind": .string("SelfSubjectAccessReview"),
            "spec": .object(["resourceAttributes": .object(attributes)]),
        ])
        let answer = try await call(
            "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body: review,
            what: "review access to \(verb) \(resource)")
        return answer[path: "status", "allowed"] == .bool(true)
    }
}
