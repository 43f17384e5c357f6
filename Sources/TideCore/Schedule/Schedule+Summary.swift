extension Schedule {
    /// How the schedule reads in listings: `manual`, `@once`, a cron expression, `every 2h` or
    /// `datasets: URI, …`.
    public var summary: String {
        switch self {
        case .manual: "manual"
        case .once: "@once"
        case .cron(let expression): expression.description
        case .interval(let seconds): "every \(Self.formatSeconds(seconds))"
        case .datasets(let uris): "datasets: " + uris.joined(separator: ", ")
        }
    }

    private static func formatSeconds(_ seconds: Double) -> String {
        let whole = Int(seconds)
        if whole % 86_400 == 0 { return "\(whole / 86_400)d" }
        if whole % 3600 == 0 { return "\(whole / 3600)h" }
        if whole % 60 == 0 { return "\(whole / 60)m" }
        return "\(seconds)s"
    }
}
