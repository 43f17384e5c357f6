import Foundation
import Yams

/// `default_args.kubernetes_pod`: the pod fields it gives, and which keys it gave.
struct InheritedPod: Sendable, Hashable {
    var pod: KubernetesPodTask
    var keys: Set<String>
}

extension KubernetesPodTask {
    /// `own` with every field it does not give (`ownKeys`, YAML keys) taken from this one.
    func laidUnder(_ own: KubernetesPodTask, ownKeys: Set<String>, inheritedKeys: Set<String>) -> KubernetesPodTask {
        let encoder = JSONEncoder()
        guard let inheritedData = try? encoder.encode(self), let ownData = try? encoder.encode(own),
            case .object(let inherited)? = try? JSONValue.parse(String(decoding: inheritedData, as: UTF8.self)),
            case .object(var merged)? = try? JSONValue.parse(String(decoding: ownData, as: UTF8.self))
        else { return own }
        for key in inheritedKeys.subtracting(ownKeys) {
            // The one YAML key whose stored name differs.
            let stored = key == "startup_timeout" ? "startup_timeout_seconds" : key
            merged[stored] = inherited[stored]
        }
        guard let data = JSONValue.object(merged).jsonText.data(using: .utf8),
            let decoded = try? JSONDecoder().decode(KubernetesPodTask.self, from: data)
        else { return own }
        return decoded
    }
}

extension DAGFileReader {
    /// Reads `default_args.kubernetes_pod` (checked once, here, not again for each task).
    mutating func readInheritedPod(_ node: Node) -> InheritedPod? {
        guard let (pod, keys) = readPodFields(node, place: "kubernetes_pod in default_args") else { return nil }
        return InheritedPod(pod: pod, keys: keys)
    }
}
