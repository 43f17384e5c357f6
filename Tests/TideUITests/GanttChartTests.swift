import Testing
import TidePostgres

@testable import TideUI

@Suite("The run's Gantt chart")
struct GanttChartTests {
    static func entry(
        _ task: String, try tryNumber: Int = 1, state: String = "success", ready: Double?, queued: Double?,
        claimed: Double?, ended: Double?, held: String? = nil,
        pod: (created: Double, scheduled: Double, started: Double)? = nil
    ) -> TimelineEntry {
        TimelineEntry(
            taskId: task, tryNumber: tryNumber, state: state, scheduledAt: ready, queuedAt: queued, claimedAt: claimed,
            endedAt: ended, queue: "default", pool: "small", workerId: "w", hostname: "h",
            pod: pod == nil ? nil : "pod-1",
            podCreatedAt: pod?.created, podScheduledAt: pod?.scheduled, containerStartedAt: pod?.started,
            nodeName: pod == nil ? nil : "node-a", podWaitingReason: nil, heldReason: held)
    }

    @Test("a try splits into waiting for upstream, held by its pool, queued and running")
    func phasesOfALocalTry() {
        let chart = GanttChart(
            entries: [
                Self.entry("first", ready: 100, queued: 100, claimed: 101, ended: 105),
                Self.entry("second", ready: 105, queued: 108, claimed: 109, ended: 110, held: "pool_full"),
            ], runStart: 100, upstream: ["second": ["first"]], now: 200)
        let second = chart.rows[1].segments
        #expect(second.map(\.phase) == [.upstream, .held, .queued, .running])
        #expect(second[0].start == 100 && second[0].end == 105)
        #expect(second[1].detail == "pool 'small' full")
        #expect(second[1].end - second[1].start == 3)
        #expect(chart.end == 110)
    }

    @Test("a pod try shows pod pending and image pull between its claim and its container start")
    func phasesOfAPodTry() {
        let chart = GanttChart(
            entries: [
                Self.entry(
                    "train", ready: 0, queued: 0, claimed: 1, ended: 50, pod: (created: 2, scheduled: 30, started: 40))
            ], runStart: 0, upstream: [:], now: 100)
        let phases = chart.rows[0].segments.map(\.phase)
        #expect(phases == [.queued, .podPending, .imagePull, .running])
        let running = chart.rows[0].segments.last
        #expect(running?.start == 40)
    }

    @Test("a retry's wait is its retry delay, not upstream")
    func retryDelay() {
        let chart = GanttChart(
            entries: [
                Self.entry("flaky", try: 1, state: "failed", ready: 0, queued: 0, claimed: 1, ended: 2),
                Self.entry("flaky", try: 2, ready: 12, queued: 12, claimed: 13, ended: 14),
            ], runStart: 0, upstream: [:], now: 20)
        #expect(chart.rows[1].segments.first?.phase == .retryDelay)
        #expect(chart.rows[1].segments.first?.start == 2)
    }

    @Test("the critical path runs back from the last task to end through the upstream that ended last")
    func criticalPath() {
        let chart = GanttChart(
            entries: [
                Self.entry("start", ready: 0, queued: 0, claimed: 0, ended: 1),
                Self.entry("fast", ready: 1, queued: 1, claimed: 1, ended: 2),
                Self.entry("slow", ready: 1, queued: 1, claimed: 1, ended: 9),
                Self.entry("join", ready: 9, queued: 9, claimed: 9, ended: 10),
            ], runStart: 0, upstream: ["fast": ["start"], "slow": ["start"], "join": ["fast", "slow"]], now: 20)
        let critical = Set(chart.rows.filter(\.critical).map(\.entry.taskId))
        #expect(critical == ["start", "slow", "join"])
        let svg = chart.svg { "/ti/" + $0.taskId }
        #expect(svg.contains("class=\"try critical\" data-task=\"slow\""))
        #expect(svg.contains("class=\"try\" data-task=\"fast\""))
    }

    @Test("a try still waiting is drawn up to now")
    func waitingTryEndsNow() {
        let chart = GanttChart(
            entries: [
                Self.entry(
                    "held", state: "scheduled", ready: 5, queued: nil, claimed: nil, ended: nil, held: "parallelism")
            ],
            runStart: 0, upstream: [:], now: 30)
        #expect(chart.rows[0].segments.last?.phase == .held)
        #expect(chart.rows[0].segments.last?.end == 30)
        #expect(chart.rows[0].segments.last?.detail == "parallelism reached")
    }
}
