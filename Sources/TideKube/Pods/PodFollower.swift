import Foundation

/// Follows one pod's status for as long as the caller wants, across watch reconnects: it lists
/// the pod, then watches from the list's resource version, resumes from the last version seen
/// when the server ends the watch, and lists again when that version has expired (410 Gone).
/// Transient API failures are retried with back-off, without limit: the caller ends the follow
/// by returning false from `onChange` or by cancelling.
public struct PodFollower: Sendable {
    /// What the follower did, for logs and tests.
    public enum Step: Sendable, Equatable {
        case listed
        case watchEnded
        /// The watch's resource version had expired (410 Gone); the pod is listed again.
        case expired
        case retrying(String)
    }

    public let client: KubeClient
    /// Seconds each watch request lasts before the server ends it and it is resumed. Default 300.
    public var watchTimeoutSeconds = 300
    let onStep: @Sendable (Step) -> Void

    public init(
        client: KubeClient, watchTimeoutSeconds: Int = 300, onStep: @escaping @Sendable (Step) -> Void = { _ in }
    ) {
        self.client = client
        self.watchTimeoutSeconds = watchTimeoutSeconds
        self.onStep = onStep
    }

    /// Calls `onChange` with the pod's current status, then with every change, and with nil once
    /// the pod is gone (deleted); after nil it returns.
    /// - Parameter onChange: returns false to stop following.
    /// - Throws: `CancellationError`, or an API error that retrying cannot fix (e.g. 403 Forbidden).
    public func follow(
        namespace: String, name: String, onChange: @Sendable (PodStatus?) async throws -> Bool
    ) async throws {
        var version: String?
        var failures = 0
        while true {
            try Task.checkCancellation()
            do {
                if version == nil {
                    let (pods, listVersion) = try await client.pods(
                        namespace: namespace, fieldSelector: "metadata.name=\(name)")
                    let pod = pods.first { $0.name == name }
                    onStep(.listed)
                    guard try await onChange(pod), pod != nil else { return }
                    version = listVersion
                }
                let events = try await client.watchPods(
                    namespace: namespace, fieldSelector: "metadata.name=\(name)", resourceVersion: version ?? "",
                    timeoutSeconds: watchTimeoutSeconds)
                failures = 0
                for try await event in events {
                    if let next = event.resourceVersion { version = next }
                    switch event.type {
                    case "ADDED", "MODIFIED":
                        guard let pod = event.pod, pod.name == name else { continue }
                        guard try await onChange(pod) else { return }
                    case "DELETED":
                        _ = try await onChange(nil)
                        return
                    default:
                        continue
                    }
                }
                onStep(.watchEnded)
            } catch let error as KubeAPIError where error.isGone {
                onStep(.expired)
                version = nil
            } catch let error as KubeAPIError where error.isTransient {
                onStep(.retrying(error.description))
                failures += 1
                try await Task.sleep(for: .seconds(KubeClient.backoff(attempt: min(failures, 6))))
            }
        }
    }
}
