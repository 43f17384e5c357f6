import NIOCore

/// One Server-Sent Event in the wire format: `id`, `event` and one `data` line per line of data.
struct ServerSentEvent: Sendable {
    var id: String?
    var event: String?
    var data: String

    var buffer: ByteBuffer {
        var text = ""
        if let id { text += "id: \(id)\n" }
        if let event { text += "event: \(event)\n" }
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) { text += "data: \(line)\n" }
        return ByteBuffer(string: text + "\n")
    }

    /// A comment line that keeps idle connections (and proxies) from timing out.
    static let keepAlive = ByteBuffer(string: ": keep-alive\n\n")
}
