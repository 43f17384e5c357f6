import Foundation
import TideCore

/// Where a command's program lives, found on `PATH` once per program and `PATH` value (as
/// `execvp` would find it), instead of searching the folders again for every try.
final class ExecutableLookup: Sendable {
    private let found = LockedBox<[Key: String]>([:])

    private struct Key: Hashable {
        var program: String
        var searchPath: String
    }

    init() {}

    /// The full path of `program` on `searchPath` (colon-separated; an empty entry is the
    /// current folder), or nil when no folder has an executable file of that name.
    func path(of program: String, searchPath: String) -> String? {
        let key = Key(program: program, searchPath: searchPath)
        if let known = found.mutate({ $0[key] }) { return known }
        for folder in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (folder.isEmpty ? "." : String(folder)) + "/" + program
            var status = stat()
            guard stat(candidate, &status) == 0, status.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 else {
                continue
            }
            found.mutate { $0[key] = candidate }
            return candidate
        }
        return nil
    }

    /// Forgets where `program` was found (it failed to start from there: moved or removed).
    func forget(_ program: String, searchPath: String) {
        _ = found.mutate { $0.removeValue(forKey: Key(program: program, searchPath: searchPath)) }
    }
}
