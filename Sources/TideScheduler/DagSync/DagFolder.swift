import Foundation
import TideCore

/// Reads every DAG file under a folder. A broken file is reported and skipped; it never stops
/// the other files from loading.
public struct DagFolder: Sendable {
    /// The DAGs that loaded, and an error message per file that did not (keyed by relative path).
    public struct Contents: Sendable {
        public var dags: [DAG] = []
        public var errors: [String: String] = [:]
        /// The file text of each DAG whose file was read by this load, by DAG id. A load that
        /// reuses a ``ParseCache`` reads only the files that changed.
        public var sources: [String: String] = [:]
        /// A fingerprint of each loaded DAG (its hash: every field its stored form is made of), by
        /// DAG id, when the load kept one: equal fingerprints, same definition. Not the hash of the
        /// JSON it is stored as, which would serialize each new or changed DAG twice.
        public var fingerprints: [String: Int] = [:]
        /// Files read and parsed by this load (all of them without a cache).
        public var readFiles: Set<String> = []
        /// Whether any file appeared, changed or disappeared since the cache's previous load (true
        /// without a cache, and on the first load).
        public var folderChanged = true

        public init(dags: [DAG] = [], errors: [String: String] = [:]) {
            self.dags = dags
            self.errors = errors
        }
    }

    public let path: String
    /// Configured node pool names, checked against `node_pool` in pod tasks (nil skips the check).
    public let nodePools: [String]?
    /// Configured Kubernetes connection names, checked against `kubernetes_conn_id` (nil skips the check).
    public let kubernetesConnections: [String]?

    public init(path: String, nodePools: [String]? = nil, kubernetesConnections: [String]? = nil) {
        self.path = path
        self.nodePools = nodePools
        self.kubernetesConnections = kubernetesConnections
    }

    /// What the previous loads made of each file, so that a file whose metadata did not change is
    /// neither read nor parsed again.
    public final class ParseCache: Sendable {
        fileprivate struct Entry: Sendable {
            var stamp: FileStamp?
            var dag: DAG?
            var fingerprint: Int?
            var error: String?
        }

        fileprivate let entries = LockedBox<[String: Entry]>([:])
        fileprivate let loaded = LockedBox(false)

        public init() {}
    }

    /// Loads the folder (recursively, `*.yaml` and `*.yml`, in path order).
    /// - Parameter cache: earlier results to reuse for files whose metadata (device, inode, size,
    ///   modification and change times) is unchanged; such files are not read.
    /// - Throws: ``DagFolderError`` when the folder itself is missing or unreadable.
    public func load(reusing cache: ParseCache? = nil) throws(DagFolderError) -> Contents {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DagFolderError(message: "DAG folder '\(path)' does not exist or is not a folder")
        }
        guard let enumerator = FileManager.default.enumerator(atPath: path) else {
            throw DagFolderError(message: "cannot read DAG folder '\(path)'")
        }
        let files = enumerator.compactMap { $0 as? String }
            .filter {
                ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml"))
                    && !$0.split(separator: "/").contains { $0.hasPrefix(".") }
            }
            .sorted()
        var contents = Contents()
        var owners: [String: String] = [:]
        var current: [String: ParseCache.Entry] = [:]
        let previous = cache?.entries.value ?? [:]
        for file in files {
            let fullPath = (path as NSString).appendingPathComponent(file)
            guard let (entry, text) = entry(file: file, fullPath: fullPath, previous: previous[file], into: &contents)
            else { continue }
            current[file] = entry
            guard let dag = entry.dag else {
                contents.errors[file] = entry.error ?? "\(file): cannot be loaded"
                continue
            }
            if let owner = owners[dag.dagId] {
                contents.errors[file] = "\(file): duplicate dag_id '\(dag.dagId)' (already defined in \(owner))"
                continue
            }
            owners[dag.dagId] = file
            contents.dags.append(dag)
            contents.fingerprints[dag.dagId] = entry.fingerprint
            contents.sources[dag.dagId] = text
        }
        if let cache {
            let firstLoad = cache.loaded.mutate { loaded in
                defer { loaded = true }
                return !loaded
            }
            let removed = previous.keys.contains { current[$0] == nil }
            contents.folderChanged = firstLoad || removed || !contents.readFiles.isEmpty
            // Files that are gone are forgotten.
            cache.entries.mutate { $0 = current }
        }
        return contents
    }

    /// The text of a file in the folder (`file` relative to it), or nil when it cannot be read.
    public func text(of file: String) -> String? {
        FileManager.default.contents(atPath: (path as NSString).appendingPathComponent(file)).flatMap {
            String(data: $0, encoding: .utf8)
        }
    }

    /// The cached entry of an unchanged file (no text), or the file read and parsed, with its text.
    /// Nil for a file that cannot be read (its error is in `contents`).
    private func entry(file: String, fullPath: String, previous: ParseCache.Entry?, into contents: inout Contents)
        -> (ParseCache.Entry, String?)?
    {
        let stamp = FileStamp(path: fullPath)
        if let previous, let stamp, previous.stamp == stamp { return (previous, nil) }
        contents.readFiles.insert(file)
        guard let data = FileManager.default.contents(atPath: fullPath) else {
            contents.errors[file] = "\(file): cannot read the file"
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            contents.errors[file] = "\(file): not valid UTF-8 text"
            return nil
        }
        // A file whose metadata cannot be read gets no stamp: it is read again next time.
        var entry = ParseCache.Entry(stamp: stamp)
        do {
            let dag = try DAGParser.parse(
                yaml: text, file: file, nodePools: nodePools, kubernetesConnections: kubernetesConnections)
            entry.dag = dag
            entry.fingerprint = dag.hashValue
        } catch {
            entry.error = error.description
        }
        return (entry, text)
    }
}

/// The DAG folder cannot be read at all.
public struct DagFolderError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
