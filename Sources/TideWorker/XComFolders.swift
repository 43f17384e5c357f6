import Foundation
import TideCore

/// The folders local tries publish results in (`$TIDE_XCOM_DIR`), reused from try to try: a try
/// takes a free one and gives it back empty. Making and removing a folder per try costs the
/// file system's journal twice per try; looking into an empty one costs three plain system calls.
final class XComFolders: Sendable {
    private let base: String
    private let free = LockedBox<[String]>([])
    private let made = LockedBox(0)

    private static let prefix = "tide-xcom-"

    init() {
        base = NSTemporaryDirectory() + Self.prefix + "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        _ = mkdir(base, 0o700)
    }

    /// Removes the folders of workers that ended without removing theirs (SIGKILL, the OOM killer):
    /// those whose process no longer exists. A folder whose process number is in use is left alone,
    /// whoever uses it now.
    /// - Returns: the folders removed.
    @discardableResult
    static func removeAbandoned(in directory: String = NSTemporaryDirectory()) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name -> String? in
            guard name.hasPrefix(prefix),
                let pid = name.dropFirst(prefix.count).split(separator: "-").first.flatMap({ pid_t($0) }),
                pid > 0, kill(pid, 0) == -1, errno == ESRCH
            else { return nil }
            let path = (directory as NSString).appendingPathComponent(name)
            return (try? FileManager.default.removeItem(atPath: path)) != nil ? path : nil
        }
    }

    /// An empty folder for one try.
    func take() -> String {
        if let folder = free.mutate({ $0.popLast() }) { return folder }
        let number = made.mutate { count -> Int in
            count += 1
            return count
        }
        let folder = base + "/\(number)"
        _ = mkdir(folder, 0o700)
        return folder
    }

    /// Removes every folder (when the process is done with them).
    func removeAll() {
        try? FileManager.default.removeItem(atPath: base)
    }

    /// Gives a folder back, emptied.
    func give(_ folder: String) {
        if !Self.isEmpty(folder) {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                try? FileManager.default.removeItem(atPath: folder + "/" + name)
            }
        }
        free.mutate { $0.append(folder) }
    }

    /// The last line of `text` that is not blank: what `do_xcom_push` publishes.
    static func lastLine(of text: String) -> String? {
        text.split(separator: "\n").last { line in line.contains { !$0.isWhitespace } }.map(String.init)
    }

    /// Whether the folder holds nothing (or is gone).
    static func isEmpty(_ folder: String) -> Bool {
        guard let directory = opendir(folder) else { return true }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { return false }
        }
        return true
    }
}
