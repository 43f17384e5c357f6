/// One HTTP request for ``CurlMultiClient``.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    /// Lines such as `Accept: application/json`. Never logged (they may carry a bearer token).
    public var headers: [String]
    public var body: [UInt8]?
    /// Seconds for the whole exchange; nil for streams that last as long as the server sends.
    public var timeoutSeconds: Double?
    public var connectTimeoutSeconds: Double
    public var tls: TLSSettings

    public init(
        _ method: String, _ url: String, headers: [String] = [], body: [UInt8]? = nil, timeoutSeconds: Double? = 30,
        connectTimeoutSeconds: Double = 10, tls: TLSSettings = TLSSettings()
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutSeconds = timeoutSeconds
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.tls = tls
    }
}

/// How to trust the server and prove who we are. Verification is on unless turned off explicitly.
public struct TLSSettings: Sendable, Hashable {
    /// PEM of the CA bundle to trust; nil uses the system store.
    public var certificateAuthorityPEM: String?
    /// Client certificate and key, PEM.
    public var clientCertificatePEM: String?
    public var clientKeyPEM: String?
    /// Check the server's certificate and host name. Default true.
    public var verifyPeer = true

    public init(
        certificateAuthorityPEM: String? = nil, clientCertificatePEM: String? = nil, clientKeyPEM: String? = nil,
        verifyPeer: Bool = true
    ) {
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.verifyPeer = verifyPeer
    }
}

/// A response whose body arrives in pieces (a Kubernetes watch, `logs --follow`).
///
/// Ending the iteration early (or cancelling the task iterating) closes the connection.
public struct HTTPStream: Sendable {
    public var status: Int
    public var body: AsyncThrowingStream<[UInt8], any Error>
}
