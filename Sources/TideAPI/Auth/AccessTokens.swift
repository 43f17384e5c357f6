import Crypto
import Foundation
import JWTKit
import TideCore

/// Short-lived access tokens: HS256-signed JWTs naming the user and role, issued by
/// `POST /auth/token` and checked on every request. API replicas that share `api.secret_key`
/// accept each other's tokens.
struct AccessTokens: Sendable {
    /// What a token says.
    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var role: String
        var iss: IssuerClaim
        var aud: AudienceClaim
        var iat: IssuedAtClaim
        var exp: ExpirationClaim

        func verify(using algorithm: some JWTAlgorithm) throws {
            try exp.verifyNotExpired()
            try aud.verifyIntendedAudience(includes: AccessTokens.audience)
        }
    }

    static let issuer = "tide"
    static let audience = "tide-api"

    let keys: JWTKeyCollection
    let lifetimeSeconds: Double
    /// Derives the web UI's CSRF tokens from session tokens.
    let csrfKey: SymmetricKey

    /// - Parameter secret: the signing key (`api.secret_key`).
    init(secret: String, lifetimeSeconds: Double) async {
        keys = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.lifetimeSeconds = lifetimeSeconds
        csrfKey = SymmetricKey(data: SHA256.hash(data: Data(("tide-csrf:" + secret).utf8)))
    }

    /// The CSRF token of a web UI session: an HMAC of its token, so it needs no storage and
    /// API replicas sharing `api.secret_key` agree on it.
    func csrfToken(for session: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(session.utf8), using: csrfKey)
            .map { String(format: "%02x", $0) }.joined()
    }

    func issue(username: String, role: APIRole, now: Date = Date()) async throws -> String {
        try await keys.sign(
            Claims(
                sub: SubjectClaim(value: username), role: role.rawValue, iss: IssuerClaim(value: Self.issuer),
                aud: AudienceClaim(value: Self.audience), iat: IssuedAtClaim(value: now),
                exp: ExpirationClaim(value: now.addingTimeInterval(lifetimeSeconds))))
    }

    /// The principal a valid token names, or nil for a forged, expired or malformed one.
    func verify(_ token: String) async -> Principal? {
        guard let claims = try? await keys.verify(token, as: Claims.self), claims.iss.value == Self.issuer,
            let role = APIRole(rawValue: claims.role)
        else { return nil }
        return Principal(username: claims.sub.value, role: role, method: .accessToken)
    }
}
