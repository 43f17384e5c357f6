import Prometheus
import TideCore
import TideScaling

/// The Prometheus metrics of one Tide process, in the text exposition format at `/metrics`.
///
/// Gauges mirror the latest ``ScalingReport``: a queue or node pool that leaves the report
/// leaves the exposition too. Histograms are this process's own observations.
public final class TideMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let gauges = LockedBox<[GaugeKey: Gauge]>([:])
    private let schedulerPass: DurationHistogram
    private let queueToStart: ValueHistogram

    private struct GaugeKey: Hashable {
        var name: String
        var labels: [String]
    }

    private static let help: [String: String] = [
        "tide_queue_tasks": "Task instances per queue: queued, running, or held_back (ready but kept by a limit).",
        "tide_workers": "Live workers popping the queue.",
        "tide_desired_workers": "Workers the queue's scaling hint asks for (HPA rules: tolerance, scale-down window).",
        "tide_node_pool_pods": "Pod tasks bound for the node pool: pending or running.",
        "tide_node_pods": "Pod tasks running on the Kubernetes node.",
        "tide_node_pool_cpu_request_cores": "Summed cpu requests of the node pool's pod tasks.",
        "tide_node_pool_memory_request_bytes": "Summed memory requests of the node pool's pod tasks.",
        "tide_node_pool_desired_nodes": "Nodes the node pool needs for its pod tasks, given its node shape.",
        "tide_scaling_report_timestamp_seconds": "When the scaling report shown was computed (Unix time).",
    ]

    public init() {
        schedulerPass = registry.makeDurationHistogram(
            descriptor: Self.descriptor(
                "tide_scheduler_pass_duration_seconds",
                "Duration of one scheduling pass (dependency resolution, dispatch, pushes)."),
            buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10].map { .seconds($0) })
        queueToStart = registry.makeValueHistogram(
            descriptor: Self.descriptor(
                "tide_task_queue_to_start_seconds", "Seconds from a try being queued to a worker starting it."),
            buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300])
    }

    /// Records one scheduling pass.
    public func observeSchedulerPass(_ duration: Duration) { schedulerPass.record(duration) }

    /// Records the queue-to-start latencies of tries that started.
    public func observeQueueToStart(_ seconds: [Double]) {
        for value in seconds { queueToStart.record(max(0, value)) }
    }

    /// Sets the scaling gauges from a report, dropping those of queues and pools no longer in it.
    public func record(_ report: ScalingReport) {
        var values: [GaugeKey: Double] = [:]
        func set(_ name: String, _ labels: [(String, String)], _ value: Double) {
            values[GaugeKey(name: name, labels: labels.flatMap { [$0.0, $0.1] })] = value
        }
        for (queue, hint) in report.queues {
            set("tide_queue_tasks", [("queue", queue), ("state", "queued")], Double(hint.queued))
            set("tide_queue_tasks", [("queue", queue), ("state", "running")], Double(hint.running))
            set("tide_queue_tasks", [("queue", queue), ("state", "held_back")], Double(hint.heldBack))
            set("tide_workers", [("queue", queue)], Double(hint.workers))
            set("tide_desired_workers", [("queue", queue)], Double(hint.desiredWorkers))
        }
        for (pool, hint) in report.nodePools {
            set("tide_node_pool_pods", [("pool", pool), ("phase", "pending")], Double(hint.pendingPods))
            set("tide_node_pool_pods", [("pool", pool), ("phase", "running")], Double(hint.runningPods))
            set("tide_node_pool_cpu_request_cores", [("pool", pool)], Double(hint.cpuRequestMillicores) / 1000)
            set("tide_node_pool_memory_request_bytes", [("pool", pool)], hint.memoryRequestBytes)
            if let nodes = hint.desiredNodes { set("tide_node_pool_desired_nodes", [("pool", pool)], Double(nodes)) }
        }
        for (node, count) in report.podsPerNode ?? [:] { set("tide_node_pods", [("node", node)], Double(count)) }
        set("tide_scaling_report_timestamp_seconds", [], report.generatedAt)
        gauges.mutate { gauges in
            for (key, gauge) in gauges where values[key] == nil {
                registry.unregisterGauge(gauge)
                gauges[key] = nil
            }
            for (key, value) in values {
                let gauge =
                    gauges[key]
                    ?? registry.makeGauge(
                        descriptor: Self.descriptor(key.name, Self.help[key.name] ?? key.name),
                        labels: Self.pairs(key.labels))
                gauges[key] = gauge
                gauge.set(value)
            }
        }
    }

    /// Every metric in the Prometheus text format (version 0.0.4).
    public func exposition() -> String { registry.emitToString() }

    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    private static func pairs(_ flat: [String]) -> [(String, String)] {
        stride(from: 0, to: flat.count - 1, by: 2).map { (flat[$0], flat[$0 + 1]) }
    }
}
