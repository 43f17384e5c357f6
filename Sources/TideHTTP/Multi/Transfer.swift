import CCurl
import Foundation

/// One request in flight on ``CurlMultiClient``'s loop thread: its easy handle, buffers and the
/// continuation that gets the result. Resolved exactly once, by ``complete(_:)`` or ``fail(_:)``.
final class Transfer: @unchecked Sendable {
    // Invariant: used only on the client's loop thread (or before it reaches it).
    enum Mode {
        case buffered(CheckedContinuation<HTTPResponse, any Error>)
        case streaming(
            status: CheckedContinuation<Int, any Error>, body: AsyncThrowingStream<[UInt8], any Error>.Continuation)
    }

    let id: Int
    let request: HTTPRequest
    private var mode: Mode?
    private var handle: UnsafeMutableRawPointer?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var context: Unmanaged<Transfer>?
    private var body: [UInt8] = []
    private var statusDelivered = false
    private var retryAfterSeconds: Double?

    init(id: Int, request: HTTPRequest, mode: Mode) {
        self.id = id
        self.request = request
        self.mode = mode
    }

    /// Creates and configures the easy handle; nil (and the transfer failed) when curl cannot.
    func start() -> UnsafeMutableRawPointer? {
        guard let handle = curl_easy_init() else {
            fail(error(CURLE_OUT_OF_MEMORY))
            return nil
        }
        self.handle = handle
        for header in request.headers + ["Expect:"] { headerList = curl_slist_append(headerList, header) }
        CCurl_setopt_string(handle, CURLOPT_URL, request.url)
        CCurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
        CCurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        CCurl_setopt_long(handle, CURLOPT_PROTOCOLS, Int(CURLPROTO_HTTP | CURLPROTO_HTTPS))
        CCurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(request.connectTimeoutSeconds * 1000)))
        if let timeout = request.timeoutSeconds {
            CCurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, Int(timeout * 1000)))
        }
        // A peer that vanishes without closing is noticed on long streams too.
        CCurl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        CCurl_setopt_long(handle, CURLOPT_TCP_KEEPIDLE, 30)
        CCurl_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList))
        configureTLS(handle)
        if let body = request.body {
            CCurl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, body.count)
            if body.isEmpty {
                CCurl_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, "")
            } else {
                body.withUnsafeBytes { raw in
                    // COPYPOSTFIELDS makes curl own a copy.
                    _ = CCurl_setopt_pointer(
                        handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress))
                }
            }
        }
        let context = Unmanaged.passRetained(self)
        self.context = context
        CCurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context.toOpaque())
        CCurl_setopt_pointer(handle, CURLOPT_HEADERDATA, context.toOpaque())
        CCurl_setopt_write_function(handle) { data, size, count, context in
            guard let data, let context else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
            let length = size * count
            data.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
                transfer.received(UnsafeBufferPointer(start: bytes, count: length))
            }
            return length
        }
        CCurl_setopt_header_function(handle) { data, size, count, context in
            guard let context else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
            let length = size * count
            // The blank line ends a header block; a 1xx block is followed by the real one.
            if length <= 2 {
                transfer.headersEnded()
            } else if let data {
                data.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
                    transfer.header(UnsafeBufferPointer(start: bytes, count: length))
                }
            }
            return length
        }
        return handle
    }

    private func configureTLS(_ handle: UnsafeMutableRawPointer) {
        let tls = request.tls
        if !tls.verifyPeer {
            CCurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 0)
            CCurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 0)
        }
        func blob(_ option: CURLoption, _ text: String?) {
            guard let text else { return }
            var bytes = Array(text.utf8)
            bytes.withUnsafeMutableBytes { raw in
                _ = CCurl_setopt_blob(handle, option, raw.baseAddress, raw.count)
            }
        }
        blob(CURLOPT_CAINFO_BLOB, tls.certificateAuthorityPEM)
        blob(CURLOPT_SSLCERT_BLOB, tls.clientCertificatePEM)
        blob(CURLOPT_SSLKEY_BLOB, tls.clientKeyPEM)
        if tls.clientCertificatePEM != nil { CCurl_setopt_string(handle, CURLOPT_SSLCERTTYPE, "PEM") }
    }

    private func received(_ bytes: UnsafeBufferPointer<UInt8>) {
        switch mode {
        case .buffered: body.append(contentsOf: bytes)
        case .streaming(_, let stream):
            deliverStatus()
            stream.yield(Array(bytes))
        case nil: break
        }
    }

    /// Keeps the one header a caller acts on: `Retry-After` (seconds; an HTTP date is ignored).
    private func header(_ line: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: line, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":"),
            text[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == "retry-after"
        else { return }
        retryAfterSeconds = Double(text[text.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private func headersEnded() {
        guard let handle else { return }
        var status = 0
        CCurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        if status >= 200 { deliverStatus() }
    }

    private func deliverStatus() {
        guard !statusDelivered, case .streaming(let status, _)? = mode, let handle else { return }
        statusDelivered = true
        var code = 0
        CCurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        status.resume(returning: code)
    }

    /// The transfer ended (successfully or not) according to curl.
    func complete(_ result: CURLcode) {
        guard result == CURLE_OK else {
            fail(error(result))
            return
        }
        switch mode {
        case .buffered(let continuation):
            var code = 0
            if let handle { CCurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code) }
            continuation.resume(returning: HTTPResponse(status: code, body: body, retryAfterSeconds: retryAfterSeconds))
        case .streaming(_, let stream):
            deliverStatus()
            stream.finish()
        case nil: break
        }
        cleanUp()
    }

    /// Ends the transfer with an error: before the status, the caller's await throws; after it,
    /// the body stream does.
    func fail(_ error: any Error) {
        switch mode {
        case .buffered(let continuation): continuation.resume(throwing: error)
        case .streaming(let status, let stream):
            if !statusDelivered {
                statusDelivered = true
                status.resume(throwing: error)
            }
            stream.finish(throwing: error)
        case nil: break
        }
        cleanUp()
    }

    private func cleanUp() {
        mode = nil
        if let handle { curl_easy_cleanup(handle) }
        handle = nil
        curl_slist_free_all(headerList)
        headerList = nil
        context?.release()
        context = nil
    }

    private func error(_ result: CURLcode) -> HTTPClientError {
        CurlResult.error(result, method: request.method, url: request.url)
    }
}
