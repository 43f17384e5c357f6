import Foundation
import TideCore

/// Reads every DAG file under a folder. A broken file is reported and skipped; it never stops
/// the other files from loading.
public struct DagFolder: Sendable {
    /// The DAGs that loaded, and an error message per file that did not (keyed by relative path).
    public struct Contents: Sendable {
        public var dags: [DAG] = []
        public var errors: [String: String] = [:]
        /// Each loaded DAG's file text, by DAG id.
        public var sources: [String: String] = [:]
        /// Each loaded DAG's stored form (``DAG/serializedJSON()``), by DAG id, when the load kept it.
        public var serialized: [String: String] = [:]

        public init(dags: [DAG] = [], errors: [String: String] = [:]) {
            self.dags = dags
            self.errors = errors
        }
    }

    public let path: String
    /// Configured node pool names, checked against `node_pool` in pod tasks (nil skips the check).
    public let nodePools: [String]?

    public init(path: String, nodePools: [String]? = nil) {
        self.path = path
        self.nodePools = nodePools
    }

    /// What the previous loads made of each file, so that a file whose text did not change is not
    /// parsed (nor serialized) again.
    public final class ParseCache: Sendable {
        fileprivate struct Entry: Sendable {
            var text: String
            var dag: DAG?
            var json: String?
            var error: String?
        }

        fileprivate let entries = LockedBox<[String: Entry]>([:])

        public init() {}
    }

    /// Loads the folder (recursively, `*.yaml` and `*.yml`, in path order).
    /// - Parameter cache: earlier results to reuse for files whose text is unchanged.
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
        var seen: Set<String> = []
        for file in files {
            let fullPath = (path as NSString).appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: fullPath) else {
                contents.errors[file] = "\(file): cannot read the file"
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                contents.errors[file] = "\(file): not valid UTF-8 text"
                continue
            }
            seen.insert(file)
            let entry = parsed(file: file, text: text, cache: cache)
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
            contents.sources[dag.dagId] = text
            contents.serialized[dag.dagId] = entry.json
        }
        // Files that are gone are forgotten.
        cache?.entries.mutate { entries in entries = entries.filter { seen.contains($0.key) } }
        return contents
    }

    private func parsed(file: String, text: String, cache: ParseCache?) -> ParseCache.Entry {
        if let cached = cache?.entries.mutate({ $0[file] }), cached.text == text { return cached }
        var entry = ParseCache.Entry(text: text)
        do {
            let dag = try DAGParser.parse(yaml: text, file: file, nodePools: nodePools)
            entry.dag = dag
            if cache != nil { entry.json = dag.serializedJSON() }
        } catch {
            entry.error = error.description
        }
        cache?.entries.mutate { [entry] in $0[file] = entry }
        return entry
    }
}

/// The DAG folder cannot be read at all.
public struct DagFolderError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
