/// When a task may run, given the states of its upstream tasks: Airflow 2's trigger rules, with
/// the scheduler's early decisions (`flag_upstream_failed`).
///
/// Each rule has a condition that lets the task run, and may decide early that it never will
/// (`skipped` or `upstream_failed`) before all upstream tasks finish. A task without upstream
/// tasks always runs, whatever its rule (as in Airflow).
public enum TriggerRule: String, Sendable, Hashable, Codable, CaseIterable {
    /// Run when every upstream succeeded. Any failure: upstream_failed; any skip: skipped (both at once).
    case allSuccess = "all_success"
    /// Run when every upstream failed or was upstream_failed. Any success or skip: skipped.
    case allFailed = "all_failed"
    /// Run when every upstream finished, however.
    case allDone = "all_done"
    /// Run when every upstream was skipped. Any success, failure or upstream_failed: skipped.
    case allSkipped = "all_skipped"
    /// Run as soon as one upstream succeeded. All done: skipped if all skipped, else upstream_failed.
    case oneSuccess = "one_success"
    /// Run as soon as one upstream failed (or was upstream_failed). All done without one: skipped.
    case oneFailed = "one_failed"
    /// Run as soon as one upstream succeeded or failed. All done without one: skipped.
    case oneDone = "one_done"
    /// Run when every upstream succeeded or was skipped. Any failure: upstream_failed.
    case noneFailed = "none_failed"
    /// As `none_failed`, but skipped when every upstream was skipped.
    case noneFailedMinOneSuccess = "none_failed_min_one_success"
    /// Run when every upstream finished and none was skipped. Any skip: skipped.
    case noneSkipped = "none_skipped"
    /// Run at once.
    case always = "always"

    /// Decides what to do with a task that has not started, from its upstream tasks' states.
    /// - Parameter upstream: the current state of each upstream task instance.
    public func evaluate(upstream: [TaskState]) -> DependencyDecision {
        guard !upstream.isEmpty else { return .run }
        let counts = UpstreamCounts(upstream)
        if let early = earlyDecision(counts) { return early }
        return isMet(counts) ? .run : .wait
    }

    /// Whether an upstream task finishing in `state` can decide this rule (run, skip or
    /// upstream_failed) while another upstream task is still unfinished. When it cannot, a
    /// waiting task still waits: it need not be evaluated again before its last unfinished
    /// upstream task finishes (the scheduler's watch on wide joins relies on this).
    public func decidesEarly(on state: TaskState) -> Bool {
        switch self {
        case .allSuccess: [.failed, .upstreamFailed, .skipped].contains(state)
        case .allFailed: [.success, .skipped].contains(state)
        case .allDone: false
        case .allSkipped: [.success, .failed, .upstreamFailed].contains(state)
        case .oneSuccess: state == .success
        case .oneFailed: [.failed, .upstreamFailed].contains(state)
        case .oneDone: [.success, .failed].contains(state)
        case .noneFailed, .noneFailedMinOneSuccess: [.failed, .upstreamFailed].contains(state)
        case .noneSkipped: state == .skipped
        case .always: true
        }
    }

    private func earlyDecision(_ c: UpstreamCounts) -> DependencyDecision? {
        switch self {
        case .allSuccess:
            if c.failed + c.upstreamFailed > 0 { return .upstreamFailed }
            if c.skipped > 0 { return .skip }
        case .allFailed:
            if c.success + c.skipped > 0 { return .skip }
        case .oneSuccess:
            if c.allDone && c.done == c.skipped { return .skip }
            if c.allDone && c.success == 0 { return .upstreamFailed }
        case .oneFailed:
            if c.allDone && c.failed + c.upstreamFailed == 0 { return .skip }
        case .oneDone:
            if c.allDone && c.failed + c.success == 0 { return .skip }
        case .noneFailed:
            if c.failed + c.upstreamFailed > 0 { return .upstreamFailed }
        case .noneFailedMinOneSuccess:
            if c.failed + c.upstreamFailed > 0 { return .upstreamFailed }
            if c.skipped == c.total { return .skip }
        case .noneSkipped:
            if c.skipped > 0 { return .skip }
        case .allSkipped:
            if c.success + c.failed + c.upstreamFailed > 0 { return .skip }
        case .allDone, .always:
            break
        }
        return nil
    }

    private func isMet(_ c: UpstreamCounts) -> Bool {
        switch self {
        case .allSuccess: c.success == c.total
        case .allFailed: c.failed + c.upstreamFailed == c.total
        case .allDone: c.allDone
        case .allSkipped: c.skipped == c.total
        case .oneSuccess: c.success > 0
        case .oneFailed: c.failed + c.upstreamFailed > 0
        case .oneDone: c.success + c.failed > 0
        case .noneFailed, .noneFailedMinOneSuccess: c.success + c.skipped == c.total
        case .noneSkipped: c.allDone && c.skipped == 0
        case .always: true
        }
    }
}

/// How many upstream task instances are in each finished state.
struct UpstreamCounts {
    var total = 0
    var success = 0
    var skipped = 0
    var failed = 0
    var upstreamFailed = 0

    init(_ states: [TaskState]) {
        total = states.count
        for state in states {
            switch state {
            case .success: success += 1
            case .skipped: skipped += 1
            case .failed: failed += 1
            case .upstreamFailed: upstreamFailed += 1
            default: break
            }
        }
    }

    var done: Int { success + skipped + failed + upstreamFailed }
    var allDone: Bool { done >= total }
}

/// The scheduler's decision for a task whose dependencies were evaluated.
public enum DependencyDecision: Sendable, Hashable {
    /// Not yet: the rule is neither met nor decided.
    case wait
    /// The rule is met: queue it.
    case run
    /// Mark it skipped without running.
    case skip
    /// Mark it upstream_failed without running.
    case upstreamFailed
}
