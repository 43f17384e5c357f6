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

    /// Loads the folder (recursively, `*.yaml` and `*.yml`, in path order).
    /// - Throws: ``DagFolderError`` when the folder itself is missing or unreadable.
    public func load() throws(DagFolderError) -> Contents {
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
            do {
                let dag = try DAGParser.parse(yaml: text, file: file, nodePools: nodePools)
                if let owner = owners[dag.dagId] {
                    contents.errors[file] = "\(file): duplicate dag_id '\(dag.dagId)' (already defined in \(owner))"
                    continue
                }
                owners[dag.dagId] = file
                contents.dags.append(dag)
                contents.sources[dag.dagId] = text
            } catch {
                contents.errors[file] = error.description
            }
        }
        return contents
    }
}

/// The DAG folder cannot be read at all.
public struct DagFolderError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
