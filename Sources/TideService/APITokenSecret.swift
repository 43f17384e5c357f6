import Crypto
import Foundation

/// The secret of a long-lived API token: `tide_` and 64 hex digits from the system's random
/// source. Only its SHA-256 is stored, so a database dump reveals no usable token.
public enum APITokenSecret {
    /// Text every Tide API token starts with, so a bearer credential can be told from an access token.
    public static let prefix = "tide_"

    /// A new random secret.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// The hash stored for `secret`.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
