import Foundation

/// Kubernetes resource quantities as numbers: cpu in millicores, everything else in base units.
public enum Quantity {
    /// `500m` → 500, `2` → 2000 (millicores).
    public static func millicores(_ text: String) -> Int64? {
        if text.hasSuffix("m") { return Int64(text.dropLast()) }
        return value(text).map { Int64(($0 * 1000).rounded()) }
    }

    /// `1Gi` → 1073741824, `500M` → 500000000, `1e3` → 1000.
    public static func value(_ text: String) -> Double? {
        guard KubeNaming.isValidQuantity(text) else { return nil }
        let suffixes: [(String, Double)] = [
            ("Ki", 1024), ("Mi", pow(1024, 2)), ("Gi", pow(1024, 3)), ("Ti", pow(1024, 4)), ("Pi", pow(1024, 5)),
            ("Ei", pow(1024, 6)), ("n", 1e-9), ("u", 1e-6), ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9),
            ("T", 1e12),
            ("P", 1e15), ("E", 1e18),
        ]
        for (suffix, factor) in suffixes where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * factor }
        }
        return Double(text)
    }
}
