/// One problem found in a DAG file, with the place it was found.
public struct DAGIssue: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file, as given to the parser (usually relative to the DAG folder).
    public var file: String
    /// 1-based line, or nil when the problem has no single place (an empty file).
    public var line: Int?
    /// 1-based column.
    public var column: Int?
    /// What is wrong, e.g. `unknown key 'retires' in task 'load'`.
    public var message: String
    /// How to fix it, e.g. `did you mean 'retries'?`.
    public var hint: String?

    public init(file: String, line: Int? = nil, column: Int? = nil, message: String, hint: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
    }

    /// `file:line:column: message (hint)`, the shape compilers use, so editors can jump to it.
    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        var text = "\(place): \(message)"
        if let hint { text += " (\(hint))" }
        return text
    }
}

/// Every problem found in one DAG file. A file with any issue is not loaded.
public struct DAGFileError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var issues: [DAGIssue]

    public init(file: String, issues: [DAGIssue]) {
        self.file = file
        self.issues = issues
    }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
