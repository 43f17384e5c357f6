import Foundation

/// Who a worker is, as recorded in PostgreSQL on every try it claims.
public struct WorkerIdentity: Sendable, Hashable {
    /// Unique per worker process ever started: `hostname:pid:nonce`.
    public var id: String
    public var hostname: String
    public var pid: Int

    public init(id: String, hostname: String, pid: Int) {
        self.id = id
        self.hostname = hostname
        self.pid = pid
    }

    /// This process's identity. The random nonce matters in containers: a worker restarted in the
    /// same container (a restart policy after a crash, a Kubernetes container restart) has the same
    /// hostname and PID 1, and must not inherit the tries its dead predecessor claimed, or they
    /// would never be declared lost.
    public static func current() -> WorkerIdentity {
        let host = ProcessInfo.processInfo.hostName
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        let nonce = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return WorkerIdentity(id: "\(host):\(pid):\(nonce)", hostname: host, pid: pid)
    }
}
