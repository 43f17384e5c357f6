import Foundation

/// A container's termination message file, as the kubelet provides it: a file of its own on the
/// host, bind-mounted at the container's `terminationMessagePath`, read (its first 4096 bytes)
/// when the container ends. The simulator's containers are host processes, so the mount happens
/// in a private mount namespace of the container's process (`unshare`), which needs root.
struct TerminationLog: Sendable {
    struct Unsupported: Error, CustomStringConvertible {
        var description: String
    }

    /// The path inside the container.
    let path: String
    /// The host file mounted there, in a folder of its own.
    let folder: URL
    var file: URL { folder.appendingPathComponent("termination-log") }

    /// The kubelet's limit on a termination message.
    static let maxBytes = 4096

    init(mountedAt path: String) throws {
        guard path.hasPrefix("/"), !path.hasSuffix("/") else {
            throw Unsupported(description: "must be an absolute file path")
        }
        guard geteuid() == 0 else {
            throw Unsupported(description: "tide-kubesim mounts it in a private mount namespace, which needs root")
        }
        self.path = path
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tide-kubesim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard
            FileManager.default.createFile(atPath: folder.appendingPathComponent("termination-log").path, contents: nil)
        else { throw Unsupported(description: "cannot create its file under \(folder.path)") }
    }

    /// The container's argv, run in a private mount namespace with the file mounted at `path`
    /// (the mount point is made on the host, empty, as a runtime makes it in the container's root).
    func wrap(_ argv: [String]) -> [String] {
        let script = #"mkdir -p "$(dirname "$1")" && touch "$1" && mount --bind "$2" "$1" && shift 2 && exec "$@""#
        return [
            "unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "tide-kubesim", path,
            file.path,
        ]
            + argv
    }

    /// What the container wrote there (at most ``maxBytes``); nil when nothing.
    func read() -> String? {
        guard let handle = try? FileHandle(forReadingFrom: file) else { return nil }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: Self.maxBytes)) ?? Data()
        return data.isEmpty ? nil : String(decoding: data, as: UTF8.self)
    }

    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }
}
