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
        findings(workers, kind: "worker")
    }

    /// The same for the schedulers heard from lately.
    public static func findings(schedulers: [(name: String, skewSeconds: Double)]) -> [DoctorFinding] {
        findings(schedulers, kind: "scheduler")
    }

    private static func findings(_ processes: [(name: String, skewSeconds: Double)], kind: String) -> [DoctorFinding] {
        guard !processes.isEmpty else { return [] }
        let off = processes.map { finding(skewSeconds: $0.skewSeconds, of: "\(kind) \($0.name)'s") }.filter {
            $0.severity != .ok
        }
        guard off.isEmpty else { return off }
        let worst = processes.map { abs($0.skewSeconds) }.max() ?? 0
        let rounded = (worst * 100).rounded() / 100
        return [
            DoctorFinding(
                .ok, "clock",
                "the clocks of \(processes.count) live \(kind)(s) are within \(rounded) s of PostgreSQL's")
        ]
    }
}
