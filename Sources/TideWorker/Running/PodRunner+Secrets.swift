import TideCore
import TideKube

extension PodRunner {
    /// Reads the values the pod gets from Secrets (`secrets:` keys, and every key of `env_from`
    /// Secrets) so its log shows them as `***`. Creating pods already lets a worker read any Secret
    /// of the namespace (a pod can mount it), so reading them adds no privilege; a Secret that
    /// cannot be read is named in the log, and the pod's own start reports if it is missing.
    func maskSecretValues(of task: KubernetesPodTask, namespace: String, in log: TryLogWriter) async {
        var wanted: [String: Set<String>?] = [:]
        for reference in task.secrets {
            if case .some(.some(var keys)) = wanted[reference.secret] {
                keys.insert(reference.key)
                wanted[reference.secret] = keys
            } else if wanted[reference.secret] == nil {
                wanted[reference.secret] = [reference.key]
            }
        }
        // nil: every key.
        for source in task.envFrom { if let secret = source.secret { wanted[secret] = .some(nil) } }
        var values: [String] = []
        for (name, keys) in wanted.sorted(by: { $0.key < $1.key }) {
            do {
                let data = try await client.secretValues(namespace: namespace, name: name)
                values += data.filter { keys == nil || keys?.contains($0.key) == true }.map(\.value)
            } catch {
                log.notice("cannot read Secret \(namespace)/\(name) to mask its values in this log: \(error)")
            }
        }
        guard !values.isEmpty else { return }
        log.mask(values)
    }
}
