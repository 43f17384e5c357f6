import Hummingbird
import NIOCore
import TideCore

/// JSON answers, with a strong `ETag` on successful GETs: a client polling with `If-None-Match`
/// gets `304 Not Modified` and no body while nothing changed.
enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok, for request: Request) -> Response {
        make(bytes: JSONWriter.bytes(value), status: status, for: request)
    }

    static func make(_ object: JSONObject, status: HTTPResponse.Status = .ok, for request: Request) -> Response {
        make(bytes: JSONWriter.bytes(object), status: status, for: request)
    }

    static func make(bytes: [UInt8], status: HTTPResponse.Status, for request: Request) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if request.method == .get && status == .ok {
            let tag = "\"" + fnv1a(bytes) + "\""
            headers[.eTag] = tag
            if let wanted = request.headers[.ifNoneMatch],
                wanted.split(separator: ",").contains(where: {
                    $0.trimmingCharacters(in: .whitespaces) == tag || $0 == "*"
                })
            {
                return Response(status: .notModified, headers: [.eTag: tag])
            }
        }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func noContent() -> Response { Response(status: .noContent) }

    /// A 64-bit FNV-1a-style hash of the body, eight bytes a step, as hex: stable across processes
    /// (so API replicas agree on tags) and cheap for answers of a megabyte.
    static func fnv1a(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let prime: UInt64 = 0x100_0000_01b3
        bytes.withUnsafeBytes { raw in
            let words = raw.count / 8
            for index in 0..<words {
                hash = (hash ^ raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)) &* prime
            }
            for byte in raw[(words * 8)...] { hash = (hash ^ UInt64(byte)) &* prime }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
