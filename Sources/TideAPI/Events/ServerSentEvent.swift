import Hummingbird
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

/// The pause of a stream between checks for news: after `keepAliveSeconds` of silence it sends a
/// comment line, so idle connections (and proxies in between) stay open.
struct StreamPacing: Sendable {
    let checkSeconds: Double
    var keepAliveSeconds = 15.0
    private var idle = 0.0

    init(checkSeconds: Double) { self.checkSeconds = checkSeconds }

    /// After a check that found something: the silence starts again.
    mutating func sent() { idle = 0 }

    /// After a check that found nothing: waits, and sends a keep-alive when one is due.
    mutating func wait(writing writer: inout any ResponseBodyWriter) async throws {
        try await Task.sleep(for: .seconds(checkSeconds))
        idle += checkSeconds
        if idle >= keepAliveSeconds {
            idle = 0
            try await writer.write(ServerSentEvent.keepAlive)
        }
    }
}
