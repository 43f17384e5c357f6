import Foundation

/// Limits checked on a DAG file's text before YAML is composed, so that no file can make the
/// parser (and so the scheduler's DAG sync) hang or exhaust memory.
enum YAMLSafety {
    /// Largest DAG file read, in bytes.
    static let maximumBytes = 1 << 20

    /// An anchor (`&name`) where a node may start: at a line's start, after `- `, `: `, `? `, a
    /// flow bracket or comma, or a tag. Anchors are what aliases repeat; with them a few lines can
    /// expand to billions of nodes, and the YAML library hashes such nodes when they are used as
    /// keys, which no later check could stop.
    static let anchor = try? NSRegularExpression(
        pattern: #"(?:^[ \t]*|[-:?][ \t]+|[\[\{,][ \t]*|![^ \t]*[ \t]+)&[A-Za-z0-9_.\-]+"#,
        options: [.anchorsMatchLines])

    static func check(_ text: String, file: String) throws(DAGFileError) {
        let size = text.utf8.count
        guard size <= maximumBytes else {
            throw DAGFileError(
                file: file,
                issues: [
                    DAGIssue(
                        file: file, message: "the file is \(size) bytes; DAG files may have at most \(maximumBytes)")
                ])
        }
        let range = NSRange(text.startIndex..., in: text)
        guard let anchor, let match = anchor.firstMatch(in: text, range: range),
            let found = Range(match.range, in: text)
        else { return }
        let line = text[..<found.lowerBound].reduce(into: 1) { count, character in
            if character == "\n" || character == "\r\n" { count += 1 }
        }
        let name = text[found].split(separator: "&").last.map(String.init) ?? ""
        throw DAGFileError(
            file: file,
            issues: [
                DAGIssue(
                    file: file, line: line, message: "YAML anchors and aliases are not supported (anchor '&\(name)')",
                    hint: "use default_args for settings shared by tasks")
            ])
    }
}
