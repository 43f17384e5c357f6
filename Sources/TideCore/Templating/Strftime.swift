import Foundation

/// Formats dates with the strftime codes Airflow users write in `ds_format` (UTC).
enum Strftime {
    static let codes: [Character: String] = [
        "Y": "yyyy", "y": "yy", "m": "MM", "d": "dd", "H": "HH", "M": "mm", "S": "ss", "j": "DDD", "b": "MMM",
        "B": "MMMM", "a": "EEE", "A": "EEEE", "%": "'%'",
    ]

    static func format(_ date: Date, _ pattern: String) -> String {
        var result = ""
        var characters = pattern.makeIterator()
        while let character = characters.next() {
            guard character == "%", let code = characters.next() else {
                result += TemplateContext.format(date, "'\(character == "'" ? "''" : String(character))'")
                continue
            }
            result += codes[code].map { TemplateContext.format(date, $0) } ?? "%\(code)"
        }
        return result
    }
}
