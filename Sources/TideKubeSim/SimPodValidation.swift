import TideCore

/// The checks the API server makes of a pod's volumes and ports before it accepts the pod, in
/// its words (`422 Invalid`).
enum SimPodValidation {
    /// The first problem with the pod's volumes, volume mounts or ports, if any.
    static func problem(in spec: [String: JSONValue]) -> String? {
        var volumes: Set<String> = []
        for (index, volume) in (spec["volumes"]?.array ?? []).enumerated() {
            guard let name = volume["name"]?.string, !name.isEmpty else {
                return "spec.volumes[\(index)].name: Required value"
            }
            guard volumes.insert(name).inserted else {
                return "spec.volumes[\(index)].name: Duplicate value: \"\(name)\""
            }
        }
        var portNames: Set<String> = []
        for kind in ["initContainers", "containers"] {
            for (index, container) in (spec[kind]?.array ?? []).enumerated() {
                let path = "spec.\(kind)[\(index)]"
                for (position, mount) in (container["volumeMounts"]?.array ?? []).enumerated() {
                    let name = mount["name"]?.string ?? ""
                    guard volumes.contains(name) else {
                        return "\(path).volumeMounts[\(position)].name: Not found: \"\(name)\""
                    }
                    guard mount["mountPath"]?.string?.isEmpty == false else {
                        return "\(path).volumeMounts[\(position)].mountPath: Required value"
                    }
                }
                for (position, port) in (container["ports"]?.array ?? []).enumerated() {
                    if let problem = self.problem(inPort: port, path: "\(path).ports[\(position)]", names: &portNames) {
                        return problem
                    }
                }
            }
        }
        return nil
    }

    private static func problem(inPort port: JSONValue, path: String, names: inout Set<String>) -> String? {
        guard case .number(let containerPort)? = port["containerPort"] else {
            return "\(path).containerPort: Required value"
        }
        let valid = 1.0...65535.0
        guard valid.contains(containerPort) else {
            return "\(path).containerPort: Invalid value: \(Int(containerPort)): must be between 1 and 65535, inclusive"
        }
        if case .number(let hostPort)? = port["hostPort"], hostPort != 0, !valid.contains(hostPort) {
            return "\(path).hostPort: Invalid value: \(Int(hostPort)): must be between 1 and 65535, inclusive"
        }
        if let proto = port["protocol"]?.string, !["TCP", "UDP", "SCTP"].contains(proto) {
            return "\(path).protocol: Unsupported value: \"\(proto)\": supported values: \"SCTP\", \"TCP\", \"UDP\""
        }
        if let name = port["name"]?.string, !name.isEmpty, !names.insert(name).inserted {
            return "\(path).name: Duplicate value: \"\(name)\""
        }
        return nil
    }
}
