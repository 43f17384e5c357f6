import CCurl
import TideCore

/// What a failed curl transfer means to a caller, shared by both clients.
enum CurlResult {
    static func error(_ result: CURLcode, method: String, url: String) -> HTTPClientError {
        let message = String(cString: curl_easy_strerror(result))
        let code: HTTPClientError.Code =
            switch result {
            case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: .invalidURL
            case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_PROXY: .connectionFailed
            case CURLE_OPERATION_TIMEDOUT: .timedOut
            case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
                CURLE_SSL_CACERT_BADFILE:
                .tls
            default: .transport
            }
        return HTTPClientError(
            code: code, method: method, url: SecretRedaction.redactingPassword(in: url), message: message)
    }
}
