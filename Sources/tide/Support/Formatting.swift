import Foundation

/// How times and durations appear in tables.
enum Formatting {
    static func time(_ seconds: Double?, in zone: TimeZone? = nil) -> String {
        guard let seconds else { return "-" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let zone { formatter.timeZone = zone }
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    static func duration(from start: Double?, to end: Double?) -> String {
        guard let start, let end else { return "-" }
        let seconds = end - start
        if seconds < 1 { return String(format: "%.0fms", seconds * 1000) }
        if seconds < 120 { return String(format: "%.2fs", seconds) }
        return String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60)
    }

    /// Pretty JSON with sorted keys.
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
