import Foundation
import TideCore
import Yams

/// Where the Kubernetes API is and how to authenticate, from a kubeconfig file or from inside a pod.
public struct KubeConnection: Sendable, Hashable {
    /// API server URL, e.g. `https://10.0.0.1:443`.
    public var server: String
    /// PEM of the CA that signed the server's certificate; nil uses the system trust store.
    public var certificateAuthorityPEM: String?
    /// Skip TLS verification (only when the kubeconfig says `insecure-skip-tls-verify: true`).
    public var insecureSkipTLSVerify = false
    /// Bearer token (service account or user token). Never logged.
    public var bearerToken: String?
    /// Client certificate and key, PEM.
    public var clientCertificatePEM: String?
    public var clientKeyPEM: String?
    /// The namespace pods go to unless a task names one.
    public var namespace: String

    public init(server: String, namespace: String = "default") {
        self.server = server
        self.namespace = namespace
    }

    /// The connection a pod gets from its service account: `KUBERNETES_SERVICE_HOST`/`_PORT`, the
    /// token, CA bundle and namespace files under `serviceAccountFolder`.
    /// - Throws: ``KubeConfigError`` naming what is missing.
    public static func inCluster(
        environment: [String: String], serviceAccountFolder: String = "/var/run/secrets/kubernetes.io/serviceaccount"
    ) throws(KubeConfigError) -> KubeConnection {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], let port = environment["KUBERNETES_SERVICE_PORT"]
        else {
            throw KubeConfigError(
                message: "not running in a cluster: KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set")
        }
        let serverHost = host.contains(":") ? "[\(host)]" : host
        var connection = KubeConnection(server: "https://\(serverHost):\(port)")
        guard let token = read("\(serviceAccountFolder)/token") else {
            throw KubeConfigError(message: "cannot read the service account token in \(serviceAccountFolder)")
        }
        connection.bearerToken = token.trimmingCharacters(in: .whitespacesAndNewlines)
        connection.certificateAuthorityPEM = read("\(serviceAccountFolder)/ca.crt")
        if let namespace = read("\(serviceAccountFolder)/namespace")?.trimmingCharacters(in: .whitespacesAndNewlines),
            !namespace.isEmpty
        {
            connection.namespace = namespace
        }
        return connection
    }

    /// The connection of a kubeconfig file's current context (or `context`); relative paths in it
    /// are resolved against its folder.
    /// - Throws: ``KubeConfigError``: the file cannot be read, or what is wrong inside it (with its path).
    public static func kubeconfigFile(_ path: String, context: String? = nil) throws(KubeConfigError) -> KubeConnection
    {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubeConfigError(message: "cannot read the kubeconfig \(path)")
        }
        do {
            return try kubeconfig(
                String(decoding: data, as: UTF8.self), folder: (path as NSString).deletingLastPathComponent,
                context: context)
        } catch {
            throw KubeConfigError(message: "\(path): \(error.message)")
        }
    }

    /// The connection of a kubeconfig's current context (or `context`).
    /// - Parameters:
    ///   - text: the kubeconfig YAML.
    ///   - folder: where relative file paths in it are resolved (the kubeconfig's folder).
    /// - Throws: ``KubeConfigError`` naming the context, cluster or user that is missing or incomplete.
    public static func kubeconfig(_ text: String, folder: String, context: String? = nil) throws(KubeConfigError)
        -> KubeConnection
    {
        let root: [String: JSONValue]
        do {
            guard let node = try Yams.compose(yaml: text), case .object(let fields) = yamlJSON(node) else {
                throw KubeConfigError(message: "kubeconfig is not a mapping")
            }
            root = fields
        } catch let error as KubeConfigError {
            throw error
        } catch {
            throw KubeConfigError(message: "kubeconfig is not valid YAML: \(error)")
        }
        guard let contextName = context ?? root["current-context"]?.string else {
            throw KubeConfigError(message: "kubeconfig has no current-context; pass a context")
        }
        let contextEntry = try named(root["contexts"], contextName, kind: "context", field: "context")
        guard let clusterName = contextEntry["cluster"]?.string else {
            throw KubeConfigError(message: "context '\(contextName)' names no cluster")
        }
        let cluster = try named(root["clusters"], clusterName, kind: "cluster", field: "cluster")
        guard let server = cluster["server"]?.string else {
            throw KubeConfigError(message: "cluster '\(clusterName)' has no server")
        }
        var connection = KubeConnection(server: server, namespace: contextEntry["namespace"]?.string ?? "default")
        connection.insecureSkipTLSVerify = cluster["insecure-skip-tls-verify"] == .bool(true)
        connection.certificateAuthorityPEM = try pem(
            cluster, data: "certificate-authority-data", file: "certificate-authority", folder: folder,
            what: "cluster '\(clusterName)'")
        if let userName = contextEntry["user"]?.string {
            let user = try named(root["users"], userName, kind: "user", field: "user")
            if let token = user["token"]?.string {
                connection.bearerToken = token
            } else if let tokenFile = user["tokenFile"]?.string {
                guard let token = read(resolve(tokenFile, in: folder)) else {
                    throw KubeConfigError(message: "user '\(userName)': cannot read tokenFile \(tokenFile)")
                }
                connection.bearerToken = token.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            connection.clientCertificatePEM = try pem(
                user, data: "client-certificate-data", file: "client-certificate", folder: folder,
                what: "user '\(userName)'")
            connection.clientKeyPEM = try pem(
                user, data: "client-key-data", file: "client-key", folder: folder, what: "user '\(userName)'")
            if user["exec"] != nil && connection.bearerToken == nil && connection.clientCertificatePEM == nil {
                throw KubeConfigError(
                    message:
                        "user '\(userName)' uses an exec credential plugin, which Tide does not run; use a token or client certificate"
                )
            }
        }
        return connection
    }

    private static func named(_ list: JSONValue?, _ name: String, kind: String, field: String) throws(KubeConfigError)
        -> [String: JSONValue]
    {
        guard case .array(let items)? = list else { throw KubeConfigError(message: "kubeconfig has no \(kind)s") }
        var names: [String] = []
        for item in items {
            guard case .object(let entry) = item, let entryName = entry["name"]?.string else { continue }
            names.append(entryName)
            if entryName == name, case .object(let fields)? = entry[field] { return fields }
        }
        let hint = Suggestion.hint(for: name, among: names).map { " (\($0))" } ?? ""
        throw KubeConfigError(message: "kubeconfig has no \(kind) '\(name)'\(hint)")
    }

    private static func pem(
        _ fields: [String: JSONValue], data: String, file: String, folder: String, what: String
    ) throws(KubeConfigError) -> String? {
        if let encoded = fields[data]?.string {
            guard let decoded = Data(base64Encoded: encoded), let text = String(data: decoded, encoding: .utf8) else {
                throw KubeConfigError(message: "\(what): \(data) is not base64-encoded PEM")
            }
            return text
        }
        if let path = fields[file]?.string {
            guard let text = read(resolve(path, in: folder)) else {
                throw KubeConfigError(message: "\(what): cannot read \(file) \(path)")
            }
            return text
        }
        return nil
    }

    private static func resolve(_ path: String, in folder: String) -> String {
        path.hasPrefix("/") ? path : (folder as NSString).appendingPathComponent(path)
    }

    private static func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).flatMap { String(data: $0, encoding: .utf8) }
    }

    private static func yamlJSON(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if let value = node.bool { return .bool(value) }
            return .string(scalar.string)
        case .sequence(let items): return .array(items.map(yamlJSON))
        case .mapping(let mapping):
            return .object(
                Dictionary(mapping.map { ($0.key.string ?? "", yamlJSON($0.value)) }, uniquingKeysWith: { a, _ in a }))
        case .alias: return .null
        }
    }
}

/// A Kubernetes connection that cannot be configured.
public struct KubeConfigError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
