/// Tide's release, as `tide --version` and `GET /api/v2/version` report it.
public enum TideVersion {
    public static let current = "0.12.0"
}
