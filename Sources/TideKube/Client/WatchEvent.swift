import TideCore

/// One line of a Kubernetes watch stream.
public struct WatchEvent: Sendable {
    /// `ADDED`, `MODIFIED`, `DELETED` or `BOOKMARK`.
    public var type: String
    public var object: JSONValue

    /// The pod the event is about (nil for bookmarks and other kinds).
    public var pod: PodStatus? { PodStatus(object) }

    /// The resource version the event brings the watch to.
    public var resourceVersion: String? { object[path: "metadata", "resourceVersion"]?.string }

    /// Reads one line; nil for a blank line.
    /// - Throws: ``KubeAPIError`` for an `ERROR` event (its `Status`) or a line that is not an event.
    init?(line: [UInt8], what: String) throws {
        guard line.contains(where: { $0 != 32 && $0 != 13 }) else { return nil }
        let value: JSONValue
        do {
            value = try JSONValue.decode(line)
        } catch {
            throw KubeAPIError(status: nil, reason: nil, message: "unreadable watch event", request: what)
        }
        guard let type = value["type"]?.string, let object = value["object"] else {
            throw KubeAPIError(status: nil, reason: nil, message: "watch event without type or object", request: what)
        }
        if type == "ERROR" {
            let code: Int? = if case .number(let number)? = object["code"] { Int(number) } else { nil }
            throw KubeAPIError(
                status: code, reason: object["reason"]?.string, message: object["message"]?.string ?? "watch error",
                request: what)
        }
        self.type = type
        self.object = object
    }
}

/// Cuts a byte stream into lines (without the newline).
struct LineSplitter {
    private var pending: [UInt8] = []

    mutating func append(_ bytes: [UInt8]) -> [[UInt8]] {
        pending += bytes
        var lines: [[UInt8]] = []
        while let end = pending.firstIndex(of: 10) {
            lines.append(Array(pending[..<end]))
            pending.removeFirst(end + 1)
        }
        return lines
    }
}
