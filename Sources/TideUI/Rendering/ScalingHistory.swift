import Foundation
import TideCore
import TideScaling

/// The scaling report over time, sampled by the API process (one sample per report, the last
/// hour by default): what the cluster chart draws. It starts empty when the process starts.
public final class ScalingHistory: Sendable {
    /// One moment of a queue or node pool.
    struct Point: Sendable, Hashable {
        var time: Double
        /// Queue: queued tries; node pool: pending pods.
        var waiting: Int
        /// Queue: running tries; node pool: running pods.
        var running: Int
        /// Queue: desired workers; node pool: desired nodes.
        var desired: Int?
        /// Queue: live workers.
        var actual: Int?
    }

    public static let sampleSeconds = 5.0
    public static let defaultCapacity = 720

    let capacity: Int
    private let samples = LockedBox<(queues: [String: [Point]], nodePools: [String: [Point]], last: Double)>(
        ([:], [:], 0))

    init(capacity: Int) { self.capacity = capacity }

    func record(_ report: ScalingReport) {
        samples.mutate { state in
            guard report.generatedAt > state.last else { return }
            state.last = report.generatedAt
            for (name, hint) in report.queues {
                append(
                    Point(
                        time: report.generatedAt, waiting: hint.queued, running: hint.running,
                        desired: hint.desiredWorkers, actual: hint.workers), to: &state.queues[name, default: []])
            }
            for (name, hint) in report.nodePools {
                append(
                    Point(
                        time: report.generatedAt, waiting: hint.pendingPods, running: hint.runningPods,
                        desired: hint.desiredNodes, actual: nil), to: &state.nodePools[name, default: []])
            }
        }
    }

    private func append(_ point: Point, to series: inout [Point]) {
        series.append(point)
        if series.count > capacity { series.removeFirst(series.count - capacity) }
    }

    var queues: [String: [Point]] { samples.value.queues }
    var nodePools: [String: [Point]] { samples.value.nodePools }
}
