/// Byte- and line-level mutations of a text, the way a fuzzer damages valid inputs into invalid
/// ones: flipped bits, cut or repeated bytes, dropped or swapped lines, odd tokens spliced in.
public enum Mutator {
    /// Values that parsers tend to mishandle.
    static let tokens = [
        "", "~", "null", "-1", "0", "1e309", "99999999999999999999", "-9223372036854775809", "NaN", ".inf",
        "true", "[]", "{}", "[[[[", "}}}}", "&anchor", "*anchor", "!!binary", "!!python/object", "'", "\"",
        "\\u0000", "\u{0}", "\u{FEFF}", "日本語", "🙂", "%", "{{", "}}", "{{ ds }}", "{% for %}", "::", "- -", "? ",
        "|", ">", "\t", "\r\n", String(repeating: "a", count: 300), String(repeating: "[", count: 64),
        "0 0 31 2 *", "@daily", "2026-02-30", "P1D", "-5s", "1e400s", "upstream: [self]",
    ]

    /// One to `maximum` mutations of `text`.
    public static func mutate(_ text: String, using generator: inout SeededGenerator, maximum: Int = 4) -> String {
        var bytes = Array(text.utf8)
        for _ in 0..<Int.random(in: 1...maximum, using: &generator) {
            bytes = mutateOnce(bytes, using: &generator)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func mutateOnce(_ input: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &generator)
        switch Int.random(in: 0..<9, using: &generator) {
        case 0 where !bytes.isEmpty:
            bytes[position] ^= UInt8(1 << Int.random(in: 0..<8, using: &generator))
        case 1 where !bytes.isEmpty:
            let end = min(bytes.count, position + Int.random(in: 1...16, using: &generator))
            bytes.removeSubrange(position..<end)
        case 2:
            let token = tokens.randomElement(using: &generator) ?? ""
            bytes.insert(contentsOf: Array(token.utf8), at: position)
        case 3 where !bytes.isEmpty:
            let end = min(bytes.count, position + Int.random(in: 1...64, using: &generator))
            bytes.insert(contentsOf: bytes[position..<end], at: position)
        case 4:
            return lines(bytes, using: &generator) { lines, generator in
                guard !lines.isEmpty else { return }
                lines.remove(at: Int.random(in: 0..<lines.count, using: &generator))
            }
        case 5:
            return lines(bytes, using: &generator) { lines, generator in
                guard lines.count > 1 else { return }
                lines.swapAt(
                    Int.random(in: 0..<lines.count, using: &generator),
                    Int.random(in: 0..<lines.count, using: &generator))
            }
        case 6:
            return lines(bytes, using: &generator) { lines, generator in
                guard !lines.isEmpty else { return }
                let index = Int.random(in: 0..<lines.count, using: &generator)
                lines.insert(lines[index], at: index)
            }
        case 7:
            // Re-indent a line: YAML's structure is its indentation.
            return lines(bytes, using: &generator) { lines, generator in
                guard !lines.isEmpty else { return }
                let index = Int.random(in: 0..<lines.count, using: &generator)
                let spaces = String(repeating: " ", count: Int.random(in: 0...8, using: &generator))
                lines[index] = spaces + lines[index].drop { $0 == " " }
            }
        default:
            // Replace the value after a colon with an odd token.
            return lines(bytes, using: &generator) { lines, generator in
                guard !lines.isEmpty else { return }
                let index = Int.random(in: 0..<lines.count, using: &generator)
                guard let colon = lines[index].firstIndex(of: ":") else { return }
                lines[index] = lines[index][...colon] + " " + (tokens.randomElement(using: &generator) ?? "")
            }
        }
        return bytes
    }

    private static func lines(
        _ bytes: [UInt8], using generator: inout SeededGenerator,
        _ change: (inout [String], inout SeededGenerator) -> Void
    ) -> [UInt8] {
        var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
        change(&lines, &generator)
        return Array(lines.joined(separator: "\n").utf8)
    }
}
