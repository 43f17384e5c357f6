/// A task's `expand:` (Airflow's dynamic task mapping): at run time the task becomes one mapped
/// instance per item (map indexes 0…N-1), each with its own state, tries, log and pod.
///
/// Each named argument is a literal list or another task's result (a JSON list, or an object,
/// whose `[key, value]` pairs are its items). With several arguments the instances are their
/// cross product, first argument outermost, as Airflow's `expand(a=…, b=…)`.
public struct TaskExpansion: Sendable, Hashable, Codable {
    /// One argument: its name (read in templates as `{{ expanded.NAME }}`) and where its items come from.
    public struct Argument: Sendable, Hashable, Codable {
        public var name: String
        public var source: Source

        public init(name: String, source: Source) {
            self.name = name
            self.source = source
        }
    }

    /// Where an argument's items come from.
    public enum Source: Sendable, Hashable, Codable {
        /// A list written in the DAG file.
        case literal([JSONValue])
        /// Another task's result under a key (its return value by default), read when the
        /// mapped task is ready.
        case result(XComPull)
    }

    public var arguments: [Argument]

    public init(arguments: [Argument]) {
        self.arguments = arguments
    }

    /// The results it reads.
    public var pulls: [XComPull] {
        arguments.compactMap { argument in
            if case .result(let pull) = argument.source { return pull }
            return nil
        }
    }
}

/// Why a value cannot be expanded over.
public struct ExpansionError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension TaskExpansion {
    /// The default of `worker.max_map_length`: as Airflow's `core.max_map_length`.
    public static let defaultMaxLength = 1024

    /// The items of a value expanded over: a list's elements, an object's `[key, value]` pairs.
    /// - Throws: ``ExpansionError`` for anything else (as Airflow's `UnmappableXComTypePushed`),
    ///   or more than `maxLength` items (`UnmappableXComLengthPushed`).
    public static func items(of value: JSONValue?, maxLength: Int) throws(ExpansionError) -> [JSONValue] {
        let items: [JSONValue]
        switch value {
        case .array(let elements)?: items = elements
        case .object(let fields)?:
            items = fields.keys.sorted().map { key in .array([.string(key), fields[key] ?? .null]) }
        case nil, .null?:
            throw ExpansionError(message: "there is no value to expand over (a mapped task needs a list)")
        case let other?:
            throw ExpansionError(message: "a mapped task expands over a list or an object, not \(describe(other))")
        }
        guard items.count <= maxLength else {
            throw ExpansionError(
                message: "\(items.count) items to expand over, more than worker.max_map_length (\(maxLength))")
        }
        return items
    }

    /// Every mapped instance's arguments (name → item), in map index order: the cross product of
    /// the arguments' items, the first argument outermost.
    /// - Parameter items: each argument's items, by argument name.
    public func instances(items: [String: [JSONValue]]) -> [[String: JSONValue]] {
        var combinations: [[String: JSONValue]] = [[:]]
        for argument in arguments {
            let values = items[argument.name] ?? []
            combinations = combinations.flatMap { partial in
                values.map { value in partial.merging([argument.name: value]) { _, new in new } }
            }
        }
        return combinations
    }
}

/// How an unmappable value is named in an error.
private func describe(_ value: JSONValue) -> String {
    switch value {
    case .null: "null"
    case .bool: "a boolean"
    case .number: "a number"
    case .string: "a string"
    case .array: "a list"
    case .object: "an object"
    }
}
