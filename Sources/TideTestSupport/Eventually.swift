import Foundation

/// Awaits a condition on real services, checking it until it holds or a deadline passes.
///
/// This is how tests wait for a process to do something: by its observable effect (a row's
/// state, a list's length), never by sleeping a fixed time and hoping.
public enum Eventually {
    public struct TimedOut: Error, CustomStringConvertible {
        public let what: String
        public let seconds: Double
        public let last: String
        public var description: String { "timed out after \(seconds)s waiting for \(what); last seen: \(last)" }
    }

    /// Returns the first non-nil value `probe` produces.
    /// - Parameters:
    ///   - what: what is awaited, for the failure message.
    ///   - timeout: seconds before giving up (generous: the machine is shared and noisy).
    ///   - describe: what was last seen, for the failure message.
    public static func value<T: Sendable>(
        _ what: String, timeout: Double = 30, describe: (() async -> String)? = nil,
        _ probe: () async throws -> T?
    ) async throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        var interval = 0.02
        while true {
            if let value = try await probe() { return value }
            if Date() >= deadline {
                throw TimedOut(what: what, seconds: timeout, last: await describe?() ?? "-")
            }
            try await Task.sleep(for: .seconds(interval))
            interval = min(0.25, interval * 1.5)
        }
    }

    /// Waits until `condition` holds.
    public static func that(
        _ what: String, timeout: Double = 30, describe: (() async -> String)? = nil,
        _ condition: () async throws -> Bool
    ) async throws {
        _ = try await value(what, timeout: timeout, describe: describe) { try await condition() ? true : nil }
    }
}
