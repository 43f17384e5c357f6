/// How far processes' clocks are from PostgreSQL's, as `tide doctor` judges it. Tide takes most
/// times from PostgreSQL, but a scheduler computes schedules and a worker its retry delays with
/// its own clock: seconds off make runs start early or late.
public enum ClockReview {
    /// Skew above this is a warning.
    public static let warningSeconds = 2.0
    /// Skew above this is an error.
    public static let errorSeconds = 30.0

    /// A clock's finding: `subject` names whose clock it is ("this machine's", "worker w on h's").
    public static func finding(skewSeconds skew: Double, of subject: String) -> DoctorFinding {
        let severity: DoctorFinding.Severity =
            abs(skew) > errorSeconds ? .error : abs(skew) > warningSeconds ? .warning : .ok
        let off = abs(skew)
        let rounded = (off * 100).rounded() / 100
        guard severity != .ok else {
            return DoctorFinding(.ok, "clock", "\(subject) clock is within \(rounded) s of PostgreSQL's")
        }
        return DoctorFinding(
            severity, "clock",
            "\(subject) clock is \(rounded) s \(skew > 0 ? "ahead of" : "behind") PostgreSQL's",
            fix: "run NTP (chrony, systemd-timesyncd) on that host and on the database host")
    }

    /// The findings for the live workers' clocks (as their last heartbeats measured them): one
    /// line for all that are in time, one per worker that is not.
    public static func findings(workers: [(name: String, skewSeconds: Double)]) -> [DoctorFinding] {
        guard !workers.isEmpty else { return [] }
        let off = workers.map { finding(skewSeconds: $0.skewSeconds, of: "worker \($0.name)'s") }.filter {
            $0.severity != .ok
        }
        let worst = workers.map { abs($0.skewSeconds) }.max() ?? 0
        if off.isEmpty {
            let rounded = (worst * 100).rounded() / 100
            return [
                DoctorFinding(
                    .ok, "clock",
                    "the clocks of \(workers.count) live worker(s) are within \(rounded) s of PostgreSQL's")
            ]
        }
        return off
    }
}
