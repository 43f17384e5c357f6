import Foundation

/// The folder a try may publish results in (`$TIDE_XCOM_DIR`): one per try under a folder of
/// this process, made with one `mkdir` and, when the try wrote nothing, gone with one `rmdir`
/// (most tries publish nothing, and W1's thousand tries a second should not pay for more).
struct XComDirectory: Sendable {
    let path: String

    /// This process's folder for them.
    private static let base: String = {
        let path = NSTemporaryDirectory() + "tide-xcom-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        _ = mkdir(path, 0o700)
        return path
    }()

    init(taskInstanceId: Int64, tryNumber: Int) {
        path = Self.base + "/\(taskInstanceId)-\(tryNumber)"
        if mkdir(path, 0o700) != 0, errno == EEXIST { Self.empty(path) }
    }

    /// Removes the folder; true when it was empty (the try published nothing).
    @discardableResult
    func removeIfEmpty() -> Bool {
        rmdir(path) == 0
    }

    /// Removes the folder and what is in it (nothing to do when it is already gone).
    func remove() {
        if rmdir(path) != 0, errno == ENOTEMPTY { try? FileManager.default.removeItem(atPath: path) }
    }

    private static func empty(_ path: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
            try? FileManager.default.removeItem(atPath: path + "/" + name)
        }
    }
}
