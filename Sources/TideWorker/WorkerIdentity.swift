import Foundation

/// Who a worker is, as recorded in PostgreSQL on every try it claims.
public struct WorkerIdentity: Sendable, Hashable {
    /// Unique among live workers: `hostname:pid`.
    public var id: String
    public var hostname: String
    public var pid: Int

    public init(id: String, hostname: String, pid: Int) {
        self.id = id
        self.hostname = hostname
        self.pid = pid
    }

    /// This process's identity.
    public static func current() -> WorkerIdentity {
        let host = ProcessInfo.processInfo.hostName
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        return WorkerIdentity(id: "\(host):\(pid)", hostname: host, pid: pid)
    }
}
