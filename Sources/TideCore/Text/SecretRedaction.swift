import Foundation

/// Masks secrets before text reaches a log, an error message or the terminal.
public enum SecretRedaction {
    /// The URL with its password replaced by `***` (`postgres://tide:***@db:5432/tide`).
    public static func redactingPassword(in url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd =
            afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return url }
        let userInfo = authority[..<at]
        let masked: String
        if let colon = userInfo.firstIndex(of: ":") {
            masked = userInfo[..<colon] + ":***"
        } else {
            return url
        }
        return String(url[..<schemeEnd.upperBound]) + masked + String(afterScheme[at...])
    }

    /// `text` with every occurrence of each secret replaced by `***`.
    public static func masking(_ secrets: [String], in text: String) -> String {
        var result = text
        for secret in secrets where secret.count >= 3 {
            result = result.replacingAll(secret, with: "***")
        }
        return result
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
