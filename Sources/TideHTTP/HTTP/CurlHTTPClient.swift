import CCurl
import TideBlocking
import TideCore

/// A small blocking HTTP client over one libcurl easy handle, driven from its own thread.
///
/// The handle is reused across requests, so connections are kept alive. Requests run one at a
/// time, in order, on the client's ``BlockingThread`` (never on the cooperative pool).
public final class CurlHTTPClient: @unchecked Sendable {
    // Invariant: `handle` is used only on `thread`.
    private var handle: UnsafeMutableRawPointer?
    private let thread: BlockingThread

    /// - Parameter name: names the client's thread.
    public init(name: String = "http") {
        _ = CurlGlobal.initialized
        thread = BlockingThread(name: "tide-curl-\(name)")
        handle = curl_easy_init()
    }

    /// Sends one request and reads the whole response.
    /// - Parameters:
    ///   - headers: lines such as `Content-Type: application/json`.
    ///   - timeoutSeconds: for the whole exchange (connecting takes at most the same).
    /// - Throws: ``HTTPClientError`` when no response arrives; HTTP error statuses are returned.
    public func request(
        _ method: String, _ url: String, headers: [String] = [], body: [UInt8]? = nil, timeoutSeconds: Double = 30
    ) async throws -> HTTPResponse {
        try await thread.run { [self] in
            try perform(method, url, headers: headers, body: body, timeoutSeconds: timeoutSeconds)
        }
    }

    /// Frees the handle and stops the thread.
    public func close() {
        thread.submit { [self] in
            if let handle { curl_easy_cleanup(handle) }
            handle = nil
        }
        thread.shutdown()
    }

    // MARK: - On the client thread

    private func perform(
        _ method: String, _ url: String, headers: [String], body: [UInt8]?, timeoutSeconds: Double
    ) throws -> HTTPResponse {
        let safeURL = SecretRedaction.redactingPassword(in: url)
        func failure(_ code: HTTPClientError.Code, _ message: String) -> HTTPClientError {
            HTTPClientError(code: code, method: method, url: safeURL, message: message)
        }
        guard let handle else { throw failure(.transport, "client is closed") }
        curl_easy_reset(handle)
        let sink = ResponseSink()
        let context = Unmanaged.passRetained(sink)
        defer { context.release() }
        var list: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(list) }
        for header in headers { list = curl_slist_append(list, header) }

        let milliseconds = max(1, Int(timeoutSeconds * 1000))
        CCurl_setopt_string(handle, CURLOPT_URL, url)
        CCurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method)
        CCurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        CCurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds)
        CCurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds)
        CCurl_setopt_long(handle, CURLOPT_PROTOCOLS, Int(CURLPROTO_HTTP | CURLPROTO_HTTPS))
        CCurl_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list))
        CCurl_setopt_write_function(handle) { data, size, count, context in
            guard let data, let context else { return 0 }
            let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
            let length = size * count
            data.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
                sink.bytes.append(contentsOf: UnsafeBufferPointer(start: bytes, count: length))
            }
            return length
        }
        CCurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context.toOpaque())
        if let body {
            CCurl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, body.count)
            body.withUnsafeBufferPointer { buffer in
                // COPYPOSTFIELDS makes curl own a copy, so the buffer may go away after this call.
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    _ = CCurl_setopt_pointer(
                        handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: chars.baseAddress))
                }
            }
        }

        let result = curl_easy_perform(handle)
        guard result == CURLE_OK else { throw CurlResult.error(result, method: method, url: url) }
        var status = 0
        CCurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, body: sink.bytes)
    }
}

/// Collects the response body for curl's write callback (used on the client thread only).
private final class ResponseSink {
    var bytes: [UInt8] = []
}
