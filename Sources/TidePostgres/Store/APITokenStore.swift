import TideCore

/// Long-lived API tokens (for CI and scripts). Only a hash of each token's secret is stored.
public struct APITokenStore: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// A token as listed: never its secret.
    public struct TokenRecord: Sendable, Hashable, Codable {
        public var name: String
        public var username: String
        public var role: APIRole
        /// Unix seconds.
        public var createdAt: Double
        public var expiresAt: Double?
        public var lastUsedAt: Double?
        public var revoked: Bool

        private enum CodingKeys: String, CodingKey {
            case name, username, role, createdAt = "created_at", expiresAt = "expires_at", lastUsedAt = "last_used_at"
            case revoked
        }
    }

    /// Records a new token.
    /// - Throws: ``PGError`` `conflict` if a token of that name exists.
    public func create(name: String, username: String, role: APIRole, secretHash: String, expiresAt: Double?)
        async throws
    {
        let inserted = try await pool.query(
            """
            INSERT INTO api_tokens (name, username, role, secret_hash, expires_at)
            VALUES ($1, $2, $3, $4, to_timestamp($5::double precision)) ON CONFLICT (name) DO NOTHING
            """, [name, username, role.rawValue, secretHash, expiresAt.map { String($0) }], context: "create API token")
        guard inserted.affectedRows == 1 else {
            throw PGError(
                code: .conflict, message: "an API token named '\(name)' exists; revoke it or pick another name")
        }
    }

    /// The live (not revoked, not expired) token with this secret hash, noting its use.
    public func authenticate(secretHash: String) async throws -> TokenRecord? {
        try await pool.query(
            """
            UPDATE api_tokens SET last_used_at = clock_timestamp()
            WHERE secret_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > clock_timestamp())
            RETURNING \(Self.columns)
            """, [secretHash], context: "check API token"
        ).rows.first.flatMap(Self.record)
    }

    /// Every token, newest first.
    public func list() async throws -> [TokenRecord] {
        try await pool.query("SELECT \(Self.columns) FROM api_tokens ORDER BY id DESC", context: "list API tokens")
            .rows.compactMap(Self.record)
    }

    /// Revokes a token: requests bearing it get 401 from now on.
    /// - Throws: ``PGError`` `notFound`.
    public func revoke(name: String) async throws {
        let updated = try await pool.query(
            "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, clock_timestamp()) WHERE name = $1", [name],
            context: "revoke API token")
        guard updated.affectedRows == 1 else { throw PGError(code: .notFound, message: "no API token '\(name)'") }
    }

    static let columns = """
        name, username, role, extract(epoch FROM created_at) AS created_at, extract(epoch FROM expires_at) AS expires_at,
        extract(epoch FROM last_used_at) AS last_used_at, revoked_at IS NOT NULL AS revoked
        """

    static func record(_ row: PGRow) -> TokenRecord? {
        guard let name = row["name"], let username = row["username"],
            let role = row["role"].flatMap(APIRole.init(rawValue:))
        else { return nil }
        return TokenRecord(
            name: name, username: username, role: role, createdAt: row.double("created_at") ?? 0,
            expiresAt: row.double("expires_at"), lastUsedAt: row.double("last_used_at"),
            revoked: row.bool("revoked") ?? false)
    }
}
