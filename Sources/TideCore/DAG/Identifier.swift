/// The rules for names users choose: DAG ids, task ids, queue names.
public enum Identifier {
    /// Shown as a hint when a name breaks the rule.
    public static let rule = "use 1 to 250 letters, digits, '_', '-' or '.'"

    /// True when `name` follows ``rule`` (Airflow's rule for keys, so DAGs move over unchanged).
    public static func isValid(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 250 else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII
                && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                    || "_-.".unicodeScalars.contains(scalar))
        }
    }

    /// True for a POSIX environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
    public static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_")
        }
    }
}
