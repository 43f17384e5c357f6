/// The rows a statement returned, as text (libpq's text format), by column name.
public struct PGResult: Sendable {
    public let columns: [String]
    public let rows: [PGRow]
    /// Rows affected, for INSERT/UPDATE/DELETE.
    public let affectedRows: Int

    init(columns: [String], values: [[String?]], affectedRows: Int) {
        self.columns = columns
        let index = Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        self.rows = values.map { PGRow(index: index, values: $0) }
        self.affectedRows = affectedRows
    }
}

/// One row; every accessor returns nil for SQL NULL or a value of another shape.
public struct PGRow: Sendable {
    let index: [String: Int]
    let values: [String?]

    /// Column names in result order.
    public var columns: [String] { index.sorted { $0.value < $1.value }.map(\.key) }

    public subscript(_ column: String) -> String? {
        guard let position = index[column], position < values.count else { return nil }
        return values[position]
    }

    public func string(_ column: String) -> String? { self[column] }
    public func int(_ column: String) -> Int? { self[column].flatMap { Int($0) } }
    public func int64(_ column: String) -> Int64? { self[column].flatMap { Int64($0) } }
    public func double(_ column: String) -> Double? { self[column].flatMap { Double($0) } }
    public func bool(_ column: String) -> Bool? { self[column].map { $0 == "t" || $0 == "true" } }
}

/// Encodes Swift arrays as PostgreSQL array literals for `$n::bigint[]` / `$n::text[]` parameters.
public enum PGArray {
    public static func literal(_ values: [Int64]) -> String {
        "{" + values.map(String.init).joined(separator: ",") + "}"
    }

    public static func literal(_ values: [String]) -> String {
        "{" + values.map(quoted).joined(separator: ",") + "}"
    }

    /// Any element type given as text (nil is SQL NULL); the parameter's cast (`$n::int[]`,
    /// `$n::float8[]`, …) parses the elements.
    public static func literal(_ values: [String?]) -> String {
        "{" + values.map { $0.map(quoted) ?? "NULL" }.joined(separator: ",") + "}"
    }

    /// `value` in double quotes, with `\\` and `"` escaped: one pass over its bytes (a log can
    /// be megabytes), none when there is nothing to escape.
    private static func quoted(_ value: String) -> String {
        let backslash = UInt8(ascii: "\\")
        let quote = UInt8(ascii: "\"")
        guard value.utf8.contains(where: { $0 == backslash || $0 == quote }) else { return "\"" + value + "\"" }
        var bytes: [UInt8] = [quote]
        bytes.reserveCapacity(value.utf8.count + 64)
        for byte in value.utf8 {
            if byte == backslash || byte == quote { bytes.append(backslash) }
            bytes.append(byte)
        }
        bytes.append(quote)
        return String(decoding: bytes, as: UTF8.self)
    }
}
