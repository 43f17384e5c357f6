import Foundation
import Hummingbird
import TideCore
import TidePostgres

/// Reads a request's query parameters as FastAPI would (repeated keys make lists, `+` is a space),
/// collecting every invalid one as a ``ValidationProblem`` so a 422 names all of them at once.
struct QueryReader {
    private(set) var pairs: [(key: String, value: String)] = []
    private(set) var problems: [ValidationProblem] = []

    init(_ request: Request) {
        guard let query = request.uri.query else { return }
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let key = decode(pieces[0])
            let value = pieces.count > 1 ? decode(pieces[1]) : ""
            // PostgreSQL text cannot hold NUL: such a value is refused here, before it reaches a query.
            if value.utf8.contains(0) || key.utf8.contains(0) {
                problem(key, "Input should not contain a NUL character", type: "string_nul", input: nil)
                continue
            }
            pairs.append((key, value))
        }
    }

    func values(_ name: String) -> [String] { pairs.filter { $0.key == name }.map(\.value) }

    func string(_ name: String) -> String? { values(name).last }

    /// Every value of a list parameter, also when given comma-separated in one value.
    func list(_ name: String) -> [String] {
        values(name).flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
            .filter { !$0.isEmpty }
    }

    mutating func problem(_ name: String, _ message: String, type: String, input: String?) {
        problems.append(
            ValidationProblem(
                location: ["query", name], message: message, type: type, input: input.map { .string($0) }))
    }

    mutating func int(_ name: String, default fallback: Int, in range: ClosedRange<Int>) -> Int {
        guard let text = string(name) else { return fallback }
        guard let value = Int(text) else {
            problem(
                name, "Input should be a valid integer, unable to parse string as an integer", type: "int_parsing",
                input: text)
            return fallback
        }
        guard range.contains(value) else {
            let message =
                value < range.lowerBound
                ? "Input should be greater than or equal to \(range.lowerBound)"
                : "Input should be less than or equal to \(range.upperBound)"
            problem(
                name, message, type: value < range.lowerBound ? "greater_than_equal" : "less_than_equal", input: text)
            return fallback
        }
        return value
    }

    mutating func bool(_ name: String) -> Bool? {
        guard let text = string(name) else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes", "on", "t", "y": return true
        case "false", "0", "no", "off", "f", "n": return false
        default:
            problem(
                name, "Input should be a valid boolean, unable to interpret input", type: "bool_parsing", input: text)
            return nil
        }
    }

    mutating func date(_ name: String) -> Double? {
        guard let text = string(name) else { return nil }
        guard let seconds = AirflowDate.parse(text) else {
            problem(
                name, "Input should be a valid datetime in ISO 8601 form, e.g. 2026-12-01T00:00:00Z",
                type: "datetime_from_date_parsing", input: text)
            return nil
        }
        return seconds
    }

    /// `<name>_gte`, `_gt`, `_lte` and `_lt` as one range.
    mutating func range(_ name: String) -> TimeRange {
        var range = TimeRange()
        if let value = date(name + "_gte") { range.from = value }
        if let value = date(name + "_gt") {
            range.from = value
            range.fromExclusive = true
        }
        if let value = date(name + "_lte") { range.to = value }
        if let value = date(name + "_lt") {
            range.to = value
            range.toExclusive = true
        }
        return range
    }

    /// `limit` (default 50, at most `maxPageSize`) and `offset`.
    mutating func page(maxPageSize: Int, defaultLimit: Int = 50) -> (limit: Int, offset: Int) {
        (
            int("limit", default: min(defaultLimit, maxPageSize), in: 0...maxPageSize),
            int("offset", default: 0, in: 0...Int(Int32.max))
        )
    }

    /// Values of an enumeration, each checked.
    mutating func enumValues<Value: RawRepresentable>(_ name: String, as type: Value.Type) -> [Value]
    where Value.RawValue == String {
        var result: [Value] = []
        for text in list(name) {
            if let value = Value(rawValue: text) {
                result.append(value)
            } else {
                problem(name, "Input should be one of the allowed values", type: "enum", input: text)
            }
        }
        return result
    }

    /// `order_by`: field names, `-` for descending; Airflow answers 400 for one it does not allow.
    func order<Field: RawRepresentable & Sendable & Hashable>(
        _ type: Field.Type, default fallback: [SortKey<Field>], aliases: [String: Field] = [:]
    ) throws -> [SortKey<Field>] where Field.RawValue == String {
        let requested = list("order_by")
        guard !requested.isEmpty else { return fallback }
        return try requested.map { item in
            let descending = item.hasPrefix("-")
            let name = descending ? String(item.dropFirst()) : item
            guard let field = Field(rawValue: name) ?? aliases[name] else {
                throw APIError(
                    .badRequest,
                    "Ordering with '\(name)' is disallowed or the attribute does not exist on the model")
            }
            return SortKey(field, descending: descending)
        }
    }

    /// Airflow's `update_mask`: the fields a PATCH may change (empty: every field given).
    /// - Throws: ``APIError`` 400 naming a field outside `allowed`.
    func updateMask(allowed: Set<String>) throws -> UpdateMask {
        let fields = list("update_mask")
        if let unknown = fields.first(where: { !allowed.contains($0) }) {
            throw APIError(.badRequest, "Invalid field `\(unknown)` in update mask")
        }
        return UpdateMask(fields: Set(fields))
    }

    /// Throws the collected problems as one 422.
    func check() throws {
        if !problems.isEmpty { throw APIError(validation: problems) }
    }
}

/// The fields a PATCH changes, from its `update_mask` (empty: every field the body gives).
struct UpdateMask: Sendable {
    let fields: Set<String>

    /// Whether `field` is to be changed, given whether the body has it.
    func changes(_ field: String, given: Bool) -> Bool { fields.isEmpty ? given : fields.contains(field) }
}
