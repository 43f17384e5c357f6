import Logging
import TideCore

/// Runs maintenance jobs, each in its own loop on an injected clock, until cancelled (shutdown
/// is by cancellation: a job sleeping or waiting on I/O is woken by it, not polled).
///
/// A job that throws is retried after its interval (or sooner with back-off, capped at the
/// interval). Failures are logged once when they begin and once when the jobs succeed again, for
/// all jobs together: an outage of PostgreSQL fails every job at once, and is one event.
public struct MaintenanceLoop<C: Clock>: Sendable where C.Duration == Duration {
    public let jobs: [MaintenanceJob]
    public let clock: C
    public let logger: Logger
    private let outage = LockedBox(OutageTracker())

    public init(jobs: [MaintenanceJob], clock: C, logger: Logger) {
        self.jobs = jobs
        self.clock = clock
        self.logger = logger
    }

    /// Runs every job until the calling task is cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for job in jobs {
                group.addTask { await loop(job) }
            }
        }
    }

    private func loop(_ job: MaintenanceJob) async {
        var failures = OutageTracker()
        while !Task.isCancelled {
            // The next run is timed from this run's start: a run that takes longer than its
            // interval is followed by the next at once.
            let started = clock.now
            var next = job.interval
            do {
                if let sooner = try await job.body() { next = max(.zero, min(next, sooner)) }
                _ = failures.succeeded()
                if let ended = outage.mutate({ $0.succeeded() }), ended.announced {
                    logger.notice(
                        "maintenance jobs recovered",
                        metadata: [
                            "job": "\(job.name)", "attempts": "\(ended.attempts)",
                            "outage.seconds": "\(Int(ended.duration / .seconds(1)))",
                        ])
                }
            } catch is CancellationError {
                return
            } catch {
                _ = failures.failed()
                if outage.mutate({ $0.failed() }) {
                    logger.error(
                        "maintenance jobs fail; retrying with back-off until they succeed",
                        metadata: ["job": "\(job.name)", "error": "\(error)"])
                }
                next = min(next, failures.backoff())
            }
            let deadline = started.advanced(by: next)
            guard deadline > clock.now else { continue }
            do {
                try await clock.sleep(until: deadline, tolerance: nil)
            } catch {
                return
            }
        }
    }
}
