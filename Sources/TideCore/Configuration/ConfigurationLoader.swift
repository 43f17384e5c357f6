import Foundation
import Yams

/// Builds a ``TideConfiguration`` from a `tide.yaml` text and the environment (environment wins).
public enum ConfigurationLoader {
    /// - Parameters:
    ///   - fileText: the contents of `tide.yaml`, or nil when there is none.
    ///   - fileName: the file's name, for error messages.
    ///   - environment: the process environment; only `TIDE_*` keys in ``ConfigurationKey/all`` are read.
    /// - Throws: ``ConfigurationError`` naming the key, what was expected and what was found.
    public static func load(
        fileText: String?, fileName: String = "tide.yaml", environment: [String: String]
    ) throws(ConfigurationError) -> TideConfiguration {
        var config = TideConfiguration()
        var values: [String: (value: String, source: String)] = [:]
        if let fileText {
            let (flat, structured) = try flatten(fileText, fileName: fileName)
            for (key, value) in flat { values[key] = (value, "\(fileName): \(key)") }
            for (key, value) in structured {
                try applyStructured(key, value, source: "\(fileName): \(key)", to: &config)
            }
        }
        for (key, variable) in structuredKeys {
            guard let json = environment[variable] else { continue }
            let parsed: JSONValue
            do {
                parsed = try JSONValue.parse(json)
            } catch {
                throw ConfigurationError(message: "\(variable): \(error)")
            }
            try applyStructured(key, parsed, source: variable, to: &config)
        }
        for key in ConfigurationKey.all {
            if let value = environment[key.environmentVariable] {
                values[key.fileKey] = (value, key.environmentVariable)
            }
            // As container secrets are mounted: TIDE_X_FILE names a file holding TIDE_X's value.
            let fileVariable = key.environmentVariable + "_FILE"
            if let path = environment[fileVariable] {
                guard environment[key.environmentVariable] == nil else {
                    throw ConfigurationError(
                        message: "\(fileVariable): set either \(key.environmentVariable) or \(fileVariable), not both")
                }
                values[key.fileKey] = (try secretFile(path, variable: fileVariable), fileVariable)
            }
        }
        for key in ConfigurationKey.all {
            guard let (value, source) = values[key.fileKey] else { continue }
            if let expected = key.apply(&config, value) {
                // A value read from a file may be a secret, and a secret key's value is one: never echo them.
                let shown =
                    source.hasSuffix("_FILE")
                    ? "the file's contents" : key.isSecret ? "a value of \(value.count) characters" : "'\(value)'"
                throw ConfigurationError(message: "\(source): expected \(expected), got \(shown)")
            }
        }
        config.credentials.apply(to: &config)
        return config
    }

    /// The contents of a mounted secret file, without the trailing newline editors add.
    static func secretFile(_ path: String, variable: String) throws(ConfigurationError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(message: "\(variable): cannot read the file '\(path)'")
        }
        var text = String(decoding: data, as: UTF8.self)
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        guard !text.isEmpty else { throw ConfigurationError(message: "\(variable): the file '\(path)' is empty") }
        return text
    }

    /// Keys whose values are structures rather than text, and the variable that carries each as JSON.
    static let structuredKeys = [
        ("node_pools", "TIDE_NODE_POOLS"), ("scaling.queues", "TIDE_SCALING_QUEUES"), ("api.users", "TIDE_API_USERS"),
        ("kubernetes.pod_defaults", "TIDE_KUBERNETES_POD_DEFAULTS"),
        ("kubernetes.connections", "TIDE_KUBERNETES_CONNECTIONS"),
    ]

    static func applyStructured(_ key: String, _ value: JSONValue, source: String, to config: inout TideConfiguration)
        throws(ConfigurationError)
    {
        switch key {
        case "node_pools": config.nodePools = try NodePoolConfiguration.parse(value, source: source)
        case "api.users": config.api.users = try APIUser.parseList(value, source: source)
        case "kubernetes.connections":
            config.kubernetes.connections = try KubernetesConnectionConfiguration.parse(value, source: source)
        case "kubernetes.pod_defaults":
            config.kubernetes.podDefaults = try PodDefaultsConfiguration.parse(value, source: source)
        default: config.scaling.queues = try QueueScalingConfiguration.parse(value, source: source)
        }
    }

    /// Flattens nested YAML mappings into dotted keys, rejecting keys Tide does not know; the
    /// structured keys (``structuredKeys``) are returned apart, as JSON.
    static func flatten(_ text: String, fileName: String) throws(ConfigurationError) -> (
        [String: String], [String: JSONValue]
    ) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(message: "\(fileName): not valid YAML: \(error)")
        }
        guard let root, !(root.null != nil) else { return ([:], [:]) }
        var structured: [String: JSONValue] = [:]
        let known = ConfigurationKey.all.map(\.fileKey)
        var result: [String: String] = [:]
        func walk(_ node: Node, prefix: String) throws(ConfigurationError) {
            guard case .mapping(let mapping) = node else {
                throw ConfigurationError(
                    message: "\(fileName): expected a mapping at '\(prefix.isEmpty ? "top level" : prefix)'")
            }
            for (keyNode, value) in mapping {
                let key = prefix.isEmpty ? (keyNode.string ?? "") : "\(prefix).\(keyNode.string ?? "")"
                if structuredKeys.contains(where: { $0.0 == key }) {
                    structured[key] = json(value)
                    continue
                }
                let line = keyNode.mark.map { ":\($0.line)" } ?? ""
                switch value {
                case .mapping:
                    guard known.contains(where: { $0.hasPrefix(key + ".") }) else {
                        throw unknown(key, fileName + line, known)
                    }
                    try walk(value, prefix: key)
                case .sequence(let items):
                    guard known.contains(key) else { throw unknown(key, fileName + line, known) }
                    result[key] = items.compactMap(\.string).joined(separator: ",")
                case .scalar(let scalar):
                    guard known.contains(key) else { throw unknown(key, fileName + line, known) }
                    result[key] = scalar.string
                case .alias:
                    throw ConfigurationError(message: "\(fileName)\(line): aliases are not supported ('\(key)')")
                }
            }
        }
        try walk(root, prefix: "")
        return (result, structured)
    }

    /// Plain YAML as JSON (numbers and booleans resolved, everything else as text).
    static func json(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if node.null != nil { return .null }
            if let value = node.bool { return .bool(value) }
            if let value = node.int { return .number(Double(value)) }
            // Infinity and NaN stay text, so a number check rejects them by name.
            if let value = node.float, value.isFinite { return .number(value) }
            return .string(scalar.string)
        case .sequence(let items): return .array(items.map(json))
        case .mapping(let mapping):
            return .object(
                Dictionary(mapping.map { ($0.key.string ?? "", json($0.value)) }, uniquingKeysWith: { a, _ in a }))
        case .alias: return .null
        }
    }

    static func unknown(_ key: String, _ place: String, _ known: [String]) -> ConfigurationError {
        let hint = Suggestion.hint(for: key, among: known).map { " (\($0))" } ?? ""
        return ConfigurationError(message: "\(place): unknown configuration key '\(key)'\(hint)")
    }
}

/// A configuration value that is missing, unknown or of the wrong form.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
