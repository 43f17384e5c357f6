import Foundation

/// How times and durations read on a page: UTC, ISO-like, and short durations.
enum Format {
    private static let formatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter
    }()
    private static let lock = NSLock()

    /// "2026-12-02 05:36:19" (UTC), or "–" for none.
    static func time(_ seconds: Double?) -> String {
        guard let seconds else { return "–" }
        return lock.withLock { formatter.string(from: Date(timeIntervalSince1970: seconds)) }
    }

    /// "05:36:19" (UTC), for chart axes.
    static func clock(_ seconds: Double) -> String {
        String(time(seconds).suffix(8))
    }

    /// ISO 8601 with a Z, for `<time datetime>` attributes.
    static func iso(_ seconds: Double?) -> String {
        guard let seconds else { return "" }
        return Date(timeIntervalSince1970: seconds).formatted(.iso8601)
    }

    /// "850 ms", "12.4 s", "3 min 05 s", "2 h 07 min", or "–".
    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "–" }
        let value = max(0, seconds)
        if value < 1 { return "\(Int((value * 1000).rounded())) ms" }
        if value < 60 { return String(format: "%.1f s", value) }
        if value < 3600 { return String(format: "%d min %02d s", Int(value) / 60, Int(value) % 60) }
        return String(format: "%d h %02d min", Int(value) / 3600, (Int(value) % 3600) / 60)
    }

    /// "5 s ago", "3 min ago", "2 h ago", "4 d ago".
    static func ago(_ seconds: Double?, now: Double = Date().timeIntervalSince1970) -> String {
        guard let seconds else { return "never" }
        let age = max(0, now - seconds)
        if age < 60 { return "\(Int(age)) s ago" }
        if age < 3600 { return "\(Int(age / 60)) min ago" }
        if age < 86400 { return "\(Int(age / 3600)) h ago" }
        return "\(Int(age / 86400)) d ago"
    }

    /// "1.2 MiB", "340 KiB", "12 B".
    static func bytes(_ count: Int) -> String {
        if count < 1024 { return "\(count) B" }
        if count < 1024 * 1024 { return String(format: "%.0f KiB", Double(count) / 1024) }
        return String(format: "%.1f MiB", Double(count) / 1_048_576)
    }
}
