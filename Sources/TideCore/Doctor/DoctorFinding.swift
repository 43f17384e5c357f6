/// One result of `tide doctor`: what was checked, what was found, and what to change.
public struct DoctorFinding: Sendable, Hashable {
    /// How bad a finding is; `tide doctor` exits 1 when any is an error.
    public enum Severity: String, Sendable, Hashable {
        case ok, warning, error
    }

    public var severity: Severity
    /// The area: `configuration`, `postgresql`, `redis`, `kubernetes`, `rbac`, `capacity`, `clock`, `dags`.
    public var check: String
    public var message: String
    /// What to change, for warnings and errors.
    public var fix: String?

    public init(_ severity: Severity, _ check: String, _ message: String, fix: String? = nil) {
        self.severity = severity
        self.check = check
        self.message = message
        self.fix = fix
    }
}
