/// Kubernetes' rules for names, labels and quantities, and safe forms of user ids.
public enum KubeNaming {
    /// A pod name from a DAG and task id: lowercase, characters outside `[a-z0-9-]` turned into
    /// `-`, starting and ending alphanumeric, with `-suffix` appended, at most 63 characters.
    public static func podName(dagId: String, taskId: String, suffix: String) -> String {
        let base = sanitize("\(dagId)-\(taskId)".lowercased(), allowed: { $0.isLowercaseASCIIAlnum || $0 == "-" })
        let room = 63 - suffix.count - 1
        var trimmed = String(base.prefix(max(1, room)))
        while let last = trimmed.last, last == "-" { trimmed.removeLast() }
        return (trimmed.isEmpty ? "task" : trimmed) + "-" + suffix
    }

    /// A label value for any text. A valid value is kept as it is; anything else (too long, or with
    /// characters outside `[A-Za-z0-9_.-]`) becomes a readable prefix plus a stable hash, so two ids
    /// that differ only in replaced characters still get different labels.
    public static func labelValue(_ text: String) -> String {
        if isValidLabelValue(text) { return text }
        let hash = String(RetryPolicy.fnv1a(text), radix: 16)
        let readable = sanitize(text, allowed: { $0.isASCIIAlnum || $0 == "-" || $0 == "_" || $0 == "." })
        let prefix = trimEnds(String(readable.prefix(63 - hash.count - 1)))
        return prefix.isEmpty ? hash : prefix + "-" + hash
    }

    /// True for a label key: an optional DNS subdomain prefix (≤ 253) and `/`, then a name (≤ 63)
    /// of `[A-Za-z0-9_.-]` starting and ending alphanumeric.
    public static func isValidLabelKey(_ key: String) -> Bool {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let name = parts.last else { return false }
        if parts.count == 2 {
            let prefix = String(parts[0])
            guard !prefix.isEmpty, prefix.count <= 253,
                prefix.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ isDNSLabel(String($0)) })
            else { return false }
        }
        return isLabelName(String(name), allowEmpty: false)
    }

    /// True for a label value: empty, or ≤ 63 of `[A-Za-z0-9_.-]` starting and ending alphanumeric.
    public static func isValidLabelValue(_ value: String) -> Bool { isLabelName(value, allowEmpty: true) }

    /// True for a DNS-1123 label: ≤ 63 of `[a-z0-9-]`, alphanumeric at both ends.
    public static func isDNSLabel(_ text: String) -> Bool {
        guard !text.isEmpty, text.count <= 63, let first = text.first, let last = text.last,
            first.isLowercaseASCIIAlnum, last.isLowercaseASCIIAlnum
        else { return false }
        return text.allSatisfy { $0.isLowercaseASCIIAlnum || $0 == "-" }
    }

    /// True for a DNS-1123 subdomain (object names such as pods): ≤ 253, dot-separated DNS labels.
    public static func isDNSSubdomain(_ text: String) -> Bool {
        guard !text.isEmpty, text.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            guard let first = part.first, let last = part.last, first.isLowercaseASCIIAlnum, last.isLowercaseASCIIAlnum
            else { return false }
            return part.allSatisfy { $0.isLowercaseASCIIAlnum || $0 == "-" }
        }
    }

    /// True for a resource quantity such as `500m`, `2`, `1.5`, `512Mi`, `1G`, `1e3`.
    public static func isValidQuantity(_ text: String) -> Bool {
        var rest = Substring(text)
        if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
        let number = rest.prefix { $0.isASCIIDigit || $0 == "." }
        guard !number.isEmpty, number.filter({ $0 == "." }).count <= 1, number != "." else { return false }
        let suffix = String(rest.dropFirst(number.count))
        let binary = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
        let decimal = ["", "n", "u", "m", "k", "M", "G", "T", "P", "E"]
        if binary.contains(suffix) || decimal.contains(suffix) { return true }
        // Decimal exponent: e3, E-2.
        guard let marker = suffix.first, marker == "e" || marker == "E" else { return false }
        let exponent = suffix.dropFirst()
        let digits = exponent.first == "+" || exponent.first == "-" ? exponent.dropFirst() : exponent
        return !digits.isEmpty && digits.allSatisfy(\.isASCIIDigit)
    }

    private static func isLabelName(_ text: String, allowEmpty: Bool) -> Bool {
        if text.isEmpty { return allowEmpty }
        guard text.count <= 63, let first = text.first, let last = text.last, first.isASCIIAlnum, last.isASCIIAlnum
        else {
            return false
        }
        return text.allSatisfy { $0.isASCIIAlnum || $0 == "-" || $0 == "_" || $0 == "." }
    }

    private static func sanitize(_ text: String, allowed: (Character) -> Bool) -> String {
        var result = ""
        for character in text {
            let next: Character = allowed(character) ? character : "-"
            if next == "-", result.last == "-" { continue }
            result.append(next)
        }
        return trimEnds(result)
    }

    private static func trimEnds(_ text: String) -> String {
        var value = Substring(text)
        while let first = value.first, !first.isASCIIAlnum { value.removeFirst() }
        while let last = value.last, !last.isASCIIAlnum { value.removeLast() }
        return String(value)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isASCIIAlnum: Bool { isASCII && (isLetter || isNumber) }
    var isLowercaseASCIIAlnum: Bool { isASCII && (isNumber || (isLetter && isLowercase)) }
}
