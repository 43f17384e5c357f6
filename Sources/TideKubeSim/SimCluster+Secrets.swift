import Foundation
import TideCore

extension SimCluster {
    /// A reference the kubelet cannot resolve (the container waits in `CreateContainerConfigError`).
    struct ConfigProblem: Error, Sendable {
        var message: String
    }

    func createSecret(namespace: String, body: JSONValue) throws(SimAPIError) -> JSONValue {
        guard let name = body[path: "metadata", "name"]?.string, KubeNaming.isDNSSubdomain(name) else {
            throw .invalid("Secret", body[path: "metadata", "name"]?.string ?? "", "metadata.name: Required value")
        }
        let key = "\(namespace)/\(name)"
        guard secrets[key] == nil else {
            throw SimAPIError(code: 409, reason: "AlreadyExists", message: "secrets \"\(name)\" already exists")
        }
        var data: [String: String] = [:]
        for (entry, value) in body["data"]?.object ?? [:] {
            guard let encoded = value.string, let decoded = Data(base64Encoded: encoded) else {
                throw .invalid("Secret", name, "data[\(entry)]: Invalid value: illegal base64 data")
            }
            data[entry] = String(decoding: decoded, as: UTF8.self)
        }
        for (entry, value) in body["stringData"]?.object ?? [:] { data[entry] = value.string ?? "" }
        secrets[key] = data
        return secretJSON(namespace: namespace, name: name, data: data)
    }

    func addSecret(namespace: String, name: String, data: [String: String]) {
        secrets["\(namespace)/\(name)"] = data
    }

    func secret(namespace: String, name: String) throws(SimAPIError) -> JSONValue {
        guard let data = secrets["\(namespace)/\(name)"] else { throw .notFound("secrets", name) }
        return secretJSON(namespace: namespace, name: name, data: data)
    }

    func deleteSecret(namespace: String, name: String) throws(SimAPIError) -> JSONValue {
        guard let data = secrets.removeValue(forKey: "\(namespace)/\(name)") else { throw .notFound("secrets", name) }
        return secretJSON(namespace: namespace, name: name, data: data)
    }

    private func secretJSON(namespace: String, name: String, data: [String: String]) -> JSONValue {
        .object([
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": .object(["name": .string(name), "namespace": .string(namespace)]),
            "data": .object(data.mapValues { .string(Data($0.utf8).base64EncodedString()) }),
        ])
    }

    /// The first of the pod's Secret volumes whose Secret does not exist (and is not optional).
    /// ConfigMaps and PersistentVolumeClaims are not simulated: their volumes always mount.
    func missingVolumeSource(of pod: SimPod) -> (volume: String, reason: String)? {
        for volume in pod.spec["volumes"]?.array ?? [] {
            guard let source = volume["secret"], let name = source["secretName"]?.string,
                source["optional"] != .bool(true), secrets["\(pod.namespace)/\(name)"] == nil
            else { continue }
            return (volume["name"]?.string ?? "", "secret \"\(name)\" not found")
        }
        return nil
    }

    /// The first container's environment: `envFrom` Secrets first, then `env` (values and
    /// `secretKeyRef`s), as the kubelet builds it. ConfigMaps are not simulated.
    func environment(of pod: SimPod) -> Result<[String: String], ConfigProblem> {
        guard let container = pod.spec["containers"]?.array?.first else { return .success([:]) }
        var result: [String: String] = [:]
        for source in container["envFrom"]?.array ?? [] {
            if let name = source[path: "secretRef", "name"]?.string {
                guard let data = secrets["\(pod.namespace)/\(name)"] else {
                    return .failure(ConfigProblem(message: "secret \"\(name)\" not found"))
                }
                for (key, value) in data { result[(source["prefix"]?.string ?? "") + key] = value }
            } else if let name = source[path: "configMapRef", "name"]?.string {
                return .failure(ConfigProblem(message: "configmap \"\(name)\" not found"))
            }
        }
        for entry in container["env"]?.array ?? [] {
            guard let name = entry["name"]?.string else { continue }
            if let reference = entry[path: "valueFrom", "secretKeyRef"] {
                let secretName = reference["name"]?.string ?? ""
                let key = reference["key"]?.string ?? ""
                guard let data = secrets["\(pod.namespace)/\(secretName)"] else {
                    return .failure(ConfigProblem(message: "secret \"\(secretName)\" not found"))
                }
                guard let value = data[key] else {
                    return .failure(
                        ConfigProblem(message: "couldn't find key \(key) in Secret \(pod.namespace)/\(secretName)"))
                }
                result[name] = value
            } else {
                result[name] = entry["value"]?.string ?? ""
            }
        }
        return .success(result)
    }
}
