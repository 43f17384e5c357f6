import Foundation

/// Reads the dates users write in DAG files and on the command line.
public enum LocalDate {
    /// Parses `2026-01-31`, `2026-01-31T03:00[:00]`, or either with `Z` / `±HH:MM`. Times without an
    /// offset are wall-clock times in `timeZone` (as Airflow reads a naive `start_date`).
    public static func parse(_ text: String, in timeZone: TimeZone) -> Date? {
        let trimmed = text.trimmingWhitespace().replacingOccurrences(of: " ", with: "T")
        let iso = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds],
        ] {
            iso.formatOptions = options
            if let date = iso.date(from: trimmed) { return date }
        }
        let parts = trimmed.split(separator: "T", maxSplits: 1)
        let dateParts = parts.first?.split(separator: "-").compactMap { Int($0) } ?? []
        guard dateParts.count == 3 else { return nil }
        var timeParts: [Int] = [0, 0, 0]
        if parts.count == 2 {
            let pieces = parts[1].split(separator: ":").compactMap { Int($0) }
            guard (2...3).contains(pieces.count), pieces.count == parts[1].split(separator: ":").count else {
                return nil
            }
            for (index, piece) in pieces.enumerated() { timeParts[index] = piece }
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let components = DateComponents(
            year: dateParts[0], month: dateParts[1], day: dateParts[2], hour: timeParts[0], minute: timeParts[1],
            second: timeParts[2])
        guard components.isValidDate(in: calendar) || parts.count == 2 else { return nil }
        guard (1...12).contains(dateParts[1]), (1...31).contains(dateParts[2]), (0...23).contains(timeParts[0]),
            (0...59).contains(timeParts[1]), (0...59).contains(timeParts[2])
        else { return nil }
        return calendar.date(from: components)
    }

    /// `2026-03-08T03:30:00-04:00`: ISO 8601 with the zone's offset at that instant.
    public static func format(_ date: Date, in timeZone: TimeZone) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = timeZone
        formatter.formatOptions = [.withInternetDateTime]
        let text = formatter.string(from: date)
        // ISO8601DateFormatter writes Z for a zero offset; keep the explicit form for zones.
        return timeZone.identifier == "UTC" || timeZone.identifier == "GMT"
            ? text : text.replacingOccurrences(of: "Z", with: "+00:00")
    }
}
