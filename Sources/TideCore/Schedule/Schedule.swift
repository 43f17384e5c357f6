import Foundation

/// When a DAG runs on its own.
public enum Schedule: Sendable, Hashable, Codable {
    /// Only `tide dags trigger` creates runs (`schedule: null`).
    case manual
    /// One run, at `start_date` (`@once`).
    case once
    /// A cron expression (presets like `@daily` are stored as their expression).
    case cron(CronExpression)
    /// Fixed intervals from `start_date` (`{every: 15m}` or `PT15M`).
    case interval(seconds: Double)
    /// A run each time every one of these datasets (URIs) was updated since the DAG's last
    /// dataset-triggered run (`{datasets: [...]}`: Airflow's datasets, assets in Airflow 3).
    case datasets([String])

    /// Whether runs come from a timetable (cron, interval, `@once`): not manual, not datasets.
    public var isTimeBased: Bool {
        switch self {
        case .once, .cron, .interval: true
        case .manual, .datasets: false
        }
    }

    /// The dataset URIs a dataset-scheduled DAG waits for (empty for others).
    public var datasetURIs: [String] {
        if case .datasets(let uris) = self { return uris }
        return []
    }

    /// The cron expressions behind Airflow's presets.
    public static let presets = [
        "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *",
        "@quarterly": "0 0 1 */3 *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@midnight": "0 0 * * *",
    ]

    /// Parses a `schedule` string: a preset, `@once`, `@none`, a cron expression, or an ISO 8601 duration.
    /// - Throws: ``CronError`` saying what is wrong.
    public static func parse(_ text: String) throws(CronError) -> Schedule {
        let trimmed = text.trimmingWhitespace()
        switch trimmed.lowercased() {
        case "@once": return .once
        case "@none", "none": return .manual
        default: break
        }
        if let expression = presets[trimmed.lowercased()] { return .cron(try CronExpression(expression)) }
        if trimmed.hasPrefix("@") {
            throw CronError(
                message: "unknown preset '\(trimmed)' (use @once, \(presets.keys.sorted().joined(separator: ", ")))")
        }
        if trimmed.uppercased().hasPrefix("P") {
            guard let seconds = ISODuration.seconds(trimmed), seconds > 0 else {
                throw CronError(message: "'\(trimmed)' is not an ISO 8601 duration such as PT15M, PT1H or P1D")
            }
            return .interval(seconds: seconds)
        }
        return .cron(try CronExpression(trimmed))
    }

    private enum CodingKeys: String, CodingKey { case kind, cron, seconds, uris }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .kind) {
        case "once": self = .once
        case "cron":
            let text = try container.decode(String.self, forKey: .cron)
            do {
                self = .cron(try CronExpression(text))
            } catch {
                throw DecodingError.dataCorruptedError(forKey: .cron, in: container, debugDescription: error.message)
            }
        case "interval": self = .interval(seconds: try container.decode(Double.self, forKey: .seconds))
        case "datasets": self = .datasets(try container.decode([String].self, forKey: .uris))
        default: self = .manual
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .manual: try container.encode("manual", forKey: .kind)
        case .once: try container.encode("once", forKey: .kind)
        case .cron(let expression):
            try container.encode("cron", forKey: .kind)
            try container.encode(expression.description, forKey: .cron)
        case .interval(let seconds):
            try container.encode("interval", forKey: .kind)
            try container.encode(seconds, forKey: .seconds)
        case .datasets(let uris):
            try container.encode("datasets", forKey: .kind)
            try container.encode(uris, forKey: .uris)
        }
    }
}

/// ISO 8601 durations with fixed lengths: `PT15M`, `PT1H30M`, `P1D`, `P2W`, `P1DT12H`.
/// Months and years have no fixed length and are rejected (use a cron schedule).
public enum ISODuration {
    public static func seconds(_ text: String) -> Double? {
        var rest = Substring(text.uppercased())
        guard rest.first == "P" else { return nil }
        rest = rest.dropFirst()
        var total = 0.0
        var inTime = false
        var number = ""
        var sawComponent = false
        for character in rest {
            if character == "T" {
                guard !inTime, number.isEmpty else { return nil }
                inTime = true
            } else if character.isNumber || character == "." {
                number.append(character)
            } else {
                guard let value = Double(number) else { return nil }
                let factor: Double
                switch (inTime, character) {
                case (false, "W"): factor = 604_800
                case (false, "D"): factor = 86_400
                case (true, "H"): factor = 3600
                case (true, "M"): factor = 60
                case (true, "S"): factor = 1
                default: return nil
                }
                total += value * factor
                number = ""
                sawComponent = true
            }
        }
        return sawComponent && number.isEmpty ? total : nil
    }
}
