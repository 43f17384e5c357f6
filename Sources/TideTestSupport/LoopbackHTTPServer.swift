import Foundation
import TideBlocking
import TideCore

/// A minimal HTTP/1.1 server on 127.0.0.1 for tests: it answers each request with `METHOD PATH`,
/// the `X-Test` header and the body it received (`/missing` gets a 404, and the first `failFirst`
/// requests a 500), and records every request.
public final class LoopbackHTTPServer: @unchecked Sendable {
    // Invariant: `listener` is set in init and closed once in stop().
    public let port: Int
    private let listener: Int32
    private let thread = BlockingThread(name: "test-http")
    private let failFirst: Int
    private let log = LockedBox<[Request]>([])

    /// One request as received.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var headers: [String: String]
        public var body: String
    }

    /// Every request received so far.
    public var requests: [Request] { log.value }

    /// - Parameters:
    ///   - accepting: false gives a server that never answers (to test timeouts).
    ///   - failFirst: how many requests get a 500 (a 429 with `Retry-After: 1` under `/throttle`)
    ///     before the server answers normally.
    public init(accepting: Bool = true, failFirst: Int = 0) throws {
        self.failFirst = failFirst
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        if accepting { thread.submit { [self] in serve() } }
    }

    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        thread.shutdown()
    }

    private func serve() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            respond(on: client)
            close(client)
        }
    }

    private func respond(on client: Int32) {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var headerEnd: Int?
        var contentLength = 0
        while true {
            let count = recv(client, &buffer, buffer.count, 0)
            guard count > 0 else { return }
            data.append(contentsOf: buffer[0..<count])
            if headerEnd == nil, let range = String(decoding: data, as: UTF8.self).range(of: "\r\n\r\n") {
                let head = String(decoding: data, as: UTF8.self)[..<range.lowerBound]
                headerEnd = head.utf8.count + 4
                for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                    contentLength = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            if let headerEnd, data.count >= headerEnd + contentLength { break }
        }
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        let requestLine = lines.first.map { $0.split(separator: " ") } ?? []
        let method = requestLine.first.map(String.init) ?? "?"
        let path = requestLine.count > 1 ? String(requestLine[1]) : "?"
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let testHeader = headers["x-test"] ?? "-"
        let body = headerEnd.map { String(decoding: data[$0...], as: UTF8.self) } ?? ""
        let count = log.mutate { requests -> Int in
            requests.append(Request(method: method, path: path, headers: headers, body: body))
            return requests.count
        }
        // Paths under /throttle fail with 429 and `Retry-After: 1` instead of 500.
        let throttled = path.hasPrefix("/throttle")
        let status =
            path == "/missing"
            ? "404 Not Found"
            : count <= failFirst ? (throttled ? "429 Too Many Requests" : "500 Internal Server Error") : "200 OK"
        let extra = throttled && count <= failFirst ? "Retry-After: 1\r\n" : ""
        let reply = "\(method) \(path)\nx-test=\(testHeader)\nbody=\(body)"
        let response =
            "HTTP/1.1 \(status)\r\nContent-Length: \(reply.utf8.count)\r\n\(extra)Connection: close\r\n\r\n\(reply)"
        _ = response.withCString { send(client, $0, strlen($0), 0) }
    }
}
