import Foundation
import TideCore

/// A Kubernetes label selector (`app=web,tier!=db,env in (a,b),!legacy,owner`), as in `?labelSelector=`.
struct LabelSelector: Sendable, Equatable {
    enum Requirement: Sendable, Equatable {
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, [String])
        case notIn(String, [String])
        case exists(String)
        case doesNotExist(String)
    }

    var requirements: [Requirement]

    /// - Throws: ``SelectorError`` naming the part that cannot be read.
    init(_ text: String) throws(SelectorError) {
        requirements = []
        for part in Self.splitTopLevel(text) {
            let item = part.trimmingCharacters(in: .whitespaces)
            if item.isEmpty { continue }
            if item.hasPrefix("!") {
                requirements.append(.doesNotExist(String(item.dropFirst()).trimmingCharacters(in: .whitespaces)))
            } else if let range = item.range(of: " notin ") ?? item.range(of: " in ") {
                let key = item[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                let rest = item[range.upperBound...].trimmingCharacters(in: .whitespaces)
                guard rest.hasPrefix("("), rest.hasSuffix(")") else {
                    throw SelectorError(message: "label selector '\(item)': expected a (value, …) list")
                }
                let values = rest.dropFirst().dropLast().split(separator: ",").map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
                requirements.append(
                    item[range].contains("notin") ? .notIn(key, values) : .isIn(key, values))
            } else if let range = item.range(of: "!=") {
                requirements.append(
                    .notEquals(String(item[..<range.lowerBound]), String(item[range.upperBound...])))
            } else if let range = item.range(of: "==") ?? item.range(of: "=") {
                requirements.append(.equals(String(item[..<range.lowerBound]), String(item[range.upperBound...])))
            } else {
                requirements.append(.exists(item))
            }
        }
        for requirement in requirements {
            guard KubeNaming.isValidLabelKey(requirement.key) else {
                throw SelectorError(message: "label selector: invalid label key '\(requirement.key)'")
            }
        }
    }

    func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { requirement in
            switch requirement {
            case .equals(let key, let value): labels[key] == value
            case .notEquals(let key, let value): labels[key] != value
            case .isIn(let key, let values): labels[key].map(values.contains) ?? false
            case .notIn(let key, let values): labels[key].map { !values.contains($0) } ?? true
            case .exists(let key): labels[key] != nil
            case .doesNotExist(let key): labels[key] == nil
            }
        }
    }

    /// Splits on commas outside parentheses.
    private static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            switch character {
            case "(": depth += 1
            case ")": depth -= 1
            case "," where depth == 0:
                parts.append(current)
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        parts.append(current)
        return parts
    }
}

extension LabelSelector.Requirement {
    var key: String {
        switch self {
        case .equals(let key, _), .notEquals(let key, _), .isIn(let key, _), .notIn(let key, _), .exists(let key),
            .doesNotExist(let key):
            key
        }
    }
}

/// A field selector (`metadata.name=x,status.phase!=Running`), matched against the object's JSON
/// by dotted path; a missing field reads as the empty string, as in Kubernetes.
struct FieldSelector: Sendable, Equatable {
    var requirements: [(path: [String], value: String, equal: Bool)]

    init(_ text: String) throws(SelectorError) {
        requirements = []
        for part in text.split(separator: ",") {
            let item = String(part).trimmingCharacters(in: .whitespaces)
            let equal: Bool
            let range: Range<String.Index>
            if let found = item.range(of: "!=") {
                equal = false
                range = found
            } else if let found = item.range(of: "==") ?? item.range(of: "=") {
                equal = true
                range = found
            } else {
                throw SelectorError(message: "field selector '\(item)': expected field=value or field!=value")
            }
            let path = item[..<range.lowerBound].split(separator: ".").map(String.init)
            guard !path.isEmpty else { throw SelectorError(message: "field selector '\(item)': empty field") }
            requirements.append((path, String(item[range.upperBound...]), equal))
        }
    }

    func matches(_ object: JSONValue) -> Bool {
        requirements.allSatisfy { requirement in
            var current: JSONValue? = object
            for key in requirement.path {
                if case .object(let fields)? = current { current = fields[key] } else { current = nil }
            }
            let text: String =
                switch current {
                case .string(let value)?: value
                case .number(let value)?: value.rounded() == value ? String(Int64(value)) : String(value)
                case .bool(let value)?: String(value)
                default: ""
                }
            return (text == requirement.value) == requirement.equal
        }
    }

    static func == (lhs: FieldSelector, rhs: FieldSelector) -> Bool {
        lhs.requirements.map { "\($0.path)\($0.value)\($0.equal)" }
            == rhs.requirements.map {
                "\($0.path)\($0.value)\($0.equal)"
            }
    }
}

/// A selector that cannot be read (answered with 400 Bad Request).
struct SelectorError: Error, Sendable {
    var message: String
}
