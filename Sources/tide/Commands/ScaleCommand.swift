import ArgumentParser
import Foundation
import TideCommandLine
import TideMetrics
import TideRedis
import TideScaling

struct ScaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale", abstract: "Show what Tide's scaling hints ask for.", subcommands: [Hints.self])

    struct Hints: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Desired workers per queue and node-pool demand, from the scheduler's latest report.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Flag(help: "Print the hints again each time the scheduler publishes new ones (Ctrl-C stops).")
        var watch = false

        func run() async throws {
            try await reportingErrors {
                let context = try CommandContext(try global.configuration())
                let redis = try await RedisConnection.connect(context.redis, name: "cli")
                defer { redis.close() }
                let store = ScalingReportStore(keys: context.keys)
                var shown: Double?
                repeat {
                    guard let report = try await store.latest(on: redis) else {
                        if watch {
                            try await Task.sleep(for: .seconds(1))
                            continue
                        }
                        throw CLIError(
                            "no scaling report in Redis yet",
                            hint: "a running scheduler publishes one every scaling.interval (default 5s)")
                    }
                    if report.generatedAt != shown {
                        shown = report.generatedAt
                        // Unbuffered, so a --watch piped to another program shows each report at once.
                        FileHandle.standardOutput.write(Data((try Self.render(report, as: output.output) + "\n").utf8))
                    }
                    if watch { try await Task.sleep(for: .seconds(1)) }
                } while watch
            }
        }

        static func render(_ report: ScalingReport, as format: OutputFormat) throws -> String {
            let now = Date().timeIntervalSince1970
            if format == .json { return try Formatting.json(ScalingSummary(report, now: now)) }
            let age = max(0, now - report.generatedAt)
            var queues = TextTable(["queue", "queued", "running", "held_back", "workers", "desired", "min..max"])
            for (name, hint) in report.queues.sorted(by: { $0.key < $1.key }) {
                let held = hint.heldBackBy.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                queues.add([
                    name, "\(hint.queued)", "\(hint.running)",
                    held.isEmpty ? "\(hint.heldBack)" : "\(hint.heldBack) (\(held.joined(separator: ", ")))",
                    "\(hint.workers)", "\(hint.desiredWorkers)", "\(hint.minWorkers)..\(hint.maxWorkers)",
                ])
            }
            var text = "scaling hints computed \(String(format: "%.1f", age)) s ago\n" + queues.rendered
            if !report.nodePools.isEmpty {
                var pools = TextTable(["node_pool", "pending", "running", "cpu", "memory", "nodes", "min..max"])
                for (name, hint) in report.nodePools.sorted(by: { $0.key < $1.key }) {
                    pools.add([
                        name, "\(hint.pendingPods)", "\(hint.runningPods)",
                        String(format: "%.2f", Double(hint.cpuRequestMillicores) / 1000),
                        String(format: "%.1fGi", hint.memoryRequestBytes / 1_073_741_824),
                        hint.desiredNodes.map(String.init) ?? "-",
                        "\(hint.minNodes)..\(hint.maxNodes.map(String.init) ?? "")",
                    ])
                }
                text += "\n\n" + pools.rendered
            }
            return text
        }
    }
}
