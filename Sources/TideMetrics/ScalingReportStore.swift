import Foundation
import TideRedis
import TideScaling

/// Where schedulers publish the latest ``ScalingReport`` and the API reads it: one Redis key,
/// written with an expiry of a few intervals so a report outlives no scheduler for long.
public struct ScalingReportStore: Sendable {
    public let keys: RedisKeys

    public init(keys: RedisKeys) { self.keys = keys }

    /// The latest report, or nil when none is there (no scheduler has computed one recently).
    /// - Throws: a ``RedisError``, or a decoding error naming the key when its value is not a report.
    public func latest(on connection: RedisConnection) async throws -> ScalingReport? {
        guard let text = try await connection.command(["GET", keys.scalingReport]).string else { return nil }
        do {
            return try JSONDecoder().decode(ScalingReport.self, from: Data(text.utf8))
        } catch {
            throw ScalingReportError(message: "Redis key \(keys.scalingReport) holds no scaling report: \(error)")
        }
    }

    /// Replaces the report; it expires after three intervals (at least 15 s).
    public func publish(_ report: ScalingReport, on connection: RedisConnection) async throws {
        let data = try JSONEncoder().encode(report)
        let expiry = max(15, Int((3 * report.intervalSeconds).rounded(.up)))
        try await connection.command(
            ["SET", keys.scalingReport, String(decoding: data, as: UTF8.self), "EX", String(expiry)])
    }
}

/// A stored scaling report that cannot be read.
public struct ScalingReportError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
