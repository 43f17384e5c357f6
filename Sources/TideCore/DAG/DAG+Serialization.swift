import Foundation

extension DAG {
    /// Canonical JSON (sorted keys): the form stored in PostgreSQL and hashed to detect changes.
    public func serializedJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain value types with string keys cannot fail.
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads a DAG back from its canonical JSON.
    /// - Throws: `DecodingError` if the stored definition is not a DAG.
    public static func deserialize(_ json: String) throws -> DAG {
        try JSONDecoder().decode(DAG.self, from: Data(json.utf8))
    }
}
