import Logging
import TideCore
import TidePostgres

/// Keeps PostgreSQL's DAG table in step with the DAG folder: new and changed DAGs are stored
/// as new versions, DAGs whose files are gone are deactivated, and import errors are replaced.
public final class DagSynchronizer: Sendable {
    let folder: DagFolder
    let store: DagStore
    let logger: Logger
    /// What was last written per DAG, so an unchanged DAG costs no database write.
    private let written = LockedBox<[String: String]>([:])
    /// Files parsed by earlier scans: an unchanged file is neither parsed nor serialized again.
    private let parseCache = DagFolder.ParseCache()
    /// Import errors already logged, so a broken file is logged once per change, not every scan.
    private let reported = LockedBox<[String: String]>([:])

    public init(folder: DagFolder, store: DagStore, logger: Logger) {
        self.folder = folder
        self.store = store
        self.logger = logger
    }

    /// One scan and write.
    /// - Returns: whether any DAG was stored (new or changed) or deactivated.
    /// - Throws: ``DagFolderError`` if the folder is unreadable (nothing is deactivated then),
    ///   or ``PGError``.
    @discardableResult
    public func sync() async throws -> Bool {
        let contents = try folder.load(reusing: parseCache)
        var changed = false
        for dag in contents.dags {
            let json = contents.serialized[dag.dagId] ?? dag.serializedJSON()
            guard written.value[dag.dagId] != json else { continue }
            try await store.upsert(dag, source: contents.sources[dag.dagId])
            written.mutate { $0[dag.dagId] = json }
            changed = true
            logger.info("DAG stored", metadata: ["dag.id": "\(dag.dagId)", "dag.file": "\(dag.fileloc)"])
        }
        let removed = try await store.deactivate(
            allExcept: contents.dags.map(\.dagId), keepingFiles: Array(contents.errors.keys))
        for dagId in removed {
            changed = true
            written.mutate { $0[dagId] = nil }
            logger.info("DAG deactivated (file removed)", metadata: ["dag.id": "\(dagId)"])
        }
        try await store.replaceImportErrors(contents.errors)
        let previous = reported.mutate { known in
            defer { known = contents.errors }
            return known
        }
        for (file, message) in contents.errors.sorted(by: { $0.key < $1.key }) where previous[file] != message {
            logger.warning("DAG file failed to load", metadata: ["dag.file": "\(file)", "error": "\(message)"])
        }
        return changed
    }
}
