import Hummingbird
import NIOCore
import TideCore

/// Reads a JSON request body as Airflow's strict models do: it must be an object, unknown fields
/// are refused, and each field is type-checked; every problem is collected, then thrown as one 422.
struct BodyReader {
    let object: [String: JSONValue]
    private(set) var problems: [ValidationProblem] = []

    /// Reads the body (at most `maxBytes`) and checks that it only has `fields`.
    static func read(_ request: Request, maxBytes: Int, fields: Set<String>) async throws -> BodyReader {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBytes)
        } catch {
            throw APIError(.contentTooLarge, "The request body is larger than \(maxBytes) bytes (api.max_body_bytes)")
        }
        let bytes = Array(buffer.readableBytesView)
        let value: JSONValue
        do {
            value = try JSONValue.decode(bytes)
        } catch {
            let problem = ValidationProblem(
                location: ["body"], message: bytes.isEmpty ? "Field required" : "JSON decode error: \(error)",
                type: bytes.isEmpty ? "missing" : "json_invalid", input: nil)
            throw APIError(validation: [problem])
        }
        guard case .object(let object) = value else {
            throw APIError(
                validation: [
                    ValidationProblem(
                        location: ["body"],
                        message: "Input should be a valid dictionary or object to extract fields from",
                        type: "model_attributes_type", input: value)
                ])
        }
        var reader = BodyReader(object: object)
        for key in object.keys.sorted() where fields.contains(key) && containsNUL(object[key]) {
            // PostgreSQL text and jsonb cannot hold NUL.
            reader.problems.append(
                ValidationProblem(
                    location: ["body", key], message: "Input should not contain a NUL character", type: "string_nul",
                    input: nil))
        }
        for key in object.keys.sorted() where !fields.contains(key) {
            reader.problems.append(
                ValidationProblem(
                    location: ["body", key], message: "Extra inputs are not permitted", type: "extra_forbidden",
                    input: object[key]))
        }
        return reader
    }

    static func containsNUL(_ value: JSONValue?) -> Bool {
        switch value {
        case .string(let text)?: text.utf8.contains(0)
        case .array(let items)?: items.contains { containsNUL($0) }
        case .object(let members)?: members.contains { $0.key.utf8.contains(0) || containsNUL($0.value) }
        default: false
        }
    }

    private mutating func wrongType(_ name: String, _ message: String, _ type: String) {
        problems.append(ValidationProblem(location: ["body", name], message: message, type: type, input: object[name]))
    }

    /// Any JSON value (Airflow's untyped fields, such as an XCom's `value`); nil when absent.
    func value(_ name: String) -> JSONValue? { object[name] }

    /// Whether the field is present (null counts as present).
    func has(_ name: String) -> Bool { object[name] != nil }

    mutating func require(_ name: String) {
        if object[name] == nil {
            problems.append(
                ValidationProblem(location: ["body", name], message: "Field required", type: "missing", input: nil))
        }
    }

    /// A boolean; null is refused unless the field is `nullable` (most of Airflow's flags are not).
    mutating func bool(_ name: String, nullable: Bool = false) -> Bool? {
        switch object[name] {
        case nil: return nil
        case .null? where nullable: return nil
        case .bool(let value)?: return value
        default:
            wrongType(name, "Input should be a valid boolean", "bool_type")
            return nil
        }
    }

    mutating func string(_ name: String, maxLength: Int? = nil, nullable: Bool = true) -> String? {
        switch object[name] {
        case nil: return nil
        case .null? where nullable: return nil
        case .string(let value)?:
            if let maxLength, value.count > maxLength {
                wrongType(name, "String should have at most \(maxLength) characters", "string_too_long")
                return nil
            }
            return value
        default:
            wrongType(name, "Input should be a valid string", "string_type")
            return nil
        }
    }

    mutating func int(
        _ name: String, in range: ClosedRange<Int> = Int(Int32.min)...Int(Int32.max), nullable: Bool = true
    ) -> Int? {
        switch object[name] {
        case nil: return nil
        case .null? where nullable: return nil
        case .number(let value)? where value.rounded() == value && value.isFinite:
            guard value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
                wrongType(
                    name, "Input should be between \(range.lowerBound) and \(range.upperBound)",
                    value < Double(range.lowerBound) ? "greater_than_equal" : "less_than_equal")
                return nil
            }
            return Int(value)
        default:
            wrongType(name, "Input should be a valid integer", "int_type")
            return nil
        }
    }

    mutating func date(_ name: String) -> Double? {
        guard let text = string(name) else { return nil }
        guard let seconds = AirflowDate.parse(text) else {
            wrongType(
                name, "Input should be a valid datetime in ISO 8601 form, e.g. 2026-12-01T00:00:00Z",
                "datetime_from_date_parsing")
            return nil
        }
        return seconds
    }

    mutating func object(_ name: String) -> [String: JSONValue]? {
        switch object[name] {
        case nil, .null?: return nil
        case .object(let value)?: return value
        default:
            wrongType(name, "Input should be a valid dictionary", "dict_type")
            return nil
        }
    }

    mutating func strings(_ name: String) -> [String]? {
        switch object[name] {
        case nil, .null?: return nil
        case .array(let items)?:
            let texts = items.compactMap(\.string)
            guard texts.count == items.count else {
                wrongType(name, "Input should be a list of strings", "list_type")
                return nil
            }
            return texts
        default:
            wrongType(name, "Input should be a valid list", "list_type")
            return nil
        }
    }

    /// Airflow's `task_ids`: task ids, or `[task_id, map_index]` pairs (one mapped instance).
    mutating func taskIds(_ name: String) -> [(taskId: String, mapIndex: Int?)]? {
        guard case .array(let items)? = object[name] else { return strings(name)?.map { ($0, nil) } }
        var ids: [(taskId: String, mapIndex: Int?)] = []
        for item in items {
            switch item {
            case .string(let id): ids.append((id, nil))
            case .array(let pair) where pair.count == 2 && pair[0].string != nil:
                guard case .number(let index) = pair[1], index >= -1, index < Double(Int32.max),
                    index.rounded() == index, let id = pair[0].string
                else {
                    wrongType(name, "Input should be a [task_id, map_index] pair with a whole map_index", "value_error")
                    return nil
                }
                ids.append((id, index < 0 ? nil : Int(index)))
            default:
                wrongType(name, "Input should be a task id or a [task_id, map_index] pair", "list_type")
                return nil
            }
        }
        return ids
    }

    mutating func enumValue<Value: RawRepresentable>(_ name: String, _ allowed: [Value]) -> Value?
    where Value.RawValue == String {
        guard let text = string(name) else { return nil }
        guard let value = Value(rawValue: text), allowed.contains(where: { $0.rawValue == text }) else {
            let names = allowed.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            wrongType(name, "Input should be \(names)", "enum")
            return nil
        }
        return value
    }

    /// Throws the collected problems as one 422.
    func check() throws {
        if !problems.isEmpty { throw APIError(validation: problems) }
    }
}
