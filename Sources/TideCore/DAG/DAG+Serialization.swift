import Foundation

extension CodingUserInfoKey {
    /// Set to `true`, a ``TaskSpec`` is encoded without the fields at their defaults (the stored form).
    public static let omitsDefaults = CodingUserInfoKey(rawValue: "tide.omitsDefaults")!
}

extension DAG {
    /// Canonical JSON (sorted keys): hashed to detect changes (a version's `content_hash`).
    public func serializedJSON() -> String {
        encoded(omittingDefaults: false)
    }

    /// The JSON PostgreSQL stores for a version: the canonical form without the task fields at
    /// their defaults that every reader defaults (see `TaskSpec.encode(to:)`), which decodes to the
    /// same DAG. A 1,000-task DAG of plain commands stores 188 KB instead of 430 and decodes in
    /// two thirds of the time (what every worker does first with a version it has not seen).
    public func storedJSON() -> String {
        encoded(omittingDefaults: true)
    }

    private func encoded(omittingDefaults: Bool) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if omittingDefaults { encoder.userInfo[.omitsDefaults] = true }
        // Encoding plain value types with string keys cannot fail.
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads a DAG back from its canonical or stored JSON.
    /// - Throws: `DecodingError` if the stored definition is not a DAG.
    public static func deserialize(_ json: String) throws -> DAG {
        try JSONDecoder().decode(DAG.self, from: Data(json.utf8))
    }
}
