import Foundation
import TideCore

/// The folders local tries publish results in (`$TIDE_XCOM_DIR`), reused from try to try: a try
/// takes a free one and gives it back empty. Making and removing a folder per try costs the
/// file system's journal twice per try; looking into an empty one costs three plain system calls.
final class XComFolders: Sendable {
    private let base: String
    private let free = LockedBox<[String]>([])
    private let made = LockedBox(0)

    init() {
        base = NSTemporaryDirectory() + "tide-xcom-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        _ = mkdir(base, 0o700)
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
