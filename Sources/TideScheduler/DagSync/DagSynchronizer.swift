import Foundation
import Logging
import TideCore
import TidePostgres

/// Keeps PostgreSQL's DAG table in step with the DAG folder: new and changed DAGs are stored
/// as new versions, DAGs whose files are gone are deactivated, and import errors are replaced.
///
/// A scan reads only the files whose metadata changed. When nothing in the folder changed and the
/// previous scan's writes all succeeded, it writes nothing, except for a full write every
/// ``fullWriteInterval`` (the database may have been restored or edited behind its back).
public final class DagSynchronizer: Sendable {
    let folder: DagFolder
    let store: DagStore
    let logger: Logger
    /// How often the deactivation and import errors are written even when nothing changed.
    let fullWriteInterval: Duration
    /// The fingerprint of what was last written per DAG, so an unchanged DAG costs no database write.
    private let written = LockedBox<[String: Int]>([:])
    /// Files parsed by earlier scans: an unchanged file is neither read nor parsed again.
    private let parseCache = DagFolder.ParseCache()
    /// Import errors already logged, so a broken file is logged once per change, not every scan.
    private let reported = LockedBox<[String: String]>([:])
    /// DAGs stored per transaction.
    static let writeChunk = 200
    /// When every write of a scan last succeeded (nil: never, or the last scan failed part-way).
    private let lastFullWrite = LockedBox<ContinuousClock.Instant?>(nil)

    public init(folder: DagFolder, store: DagStore, logger: Logger, fullWriteInterval: Duration = .seconds(300)) {
        self.folder = folder
        self.store = store
        self.logger = logger
        self.fullWriteInterval = fullWriteInterval
    }

    /// One scan and write.
    /// - Returns: whether any DAG was stored (new or changed) or deactivated.
    /// - Throws: ``DagFolderError`` if the folder is unreadable (nothing is deactivated then),
    ///   or ``PGError``.
    @discardableResult
    public func sync() async throws -> Bool {
        let contents = try folder.load(reusing: parseCache)
        if !contents.folderChanged, let last = lastFullWrite.value, ContinuousClock.now - last < fullWriteInterval {
            return false
        }
        lastFullWrite.mutate { $0 = nil }
        var changed = false
        let known = written.value
        var toWrite: [(dag: DAG, fingerprint: Int)] = []
        for dag in contents.dags {
            let fingerprint = contents.fingerprints[dag.dagId] ?? dag.hashValue
            if known[dag.dagId] != fingerprint { toWrite.append((dag, fingerprint)) }
        }
        // In chunks, each one transaction: a first scan of ten thousand files is fifty, not ten thousand.
        for start in stride(from: 0, to: toWrite.count, by: Self.writeChunk) {
            let chunk = toWrite[start..<min(start + Self.writeChunk, toWrite.count)]
            // An unchanged file whose DAG was not written yet (an earlier write failed) is read again.
            try await store.upsert(
                chunk.map { ($0.dag, contents.sources[$0.dag.dagId] ?? folder.text(of: $0.dag.fileloc)) })
            written.mutate { written in
                for (dag, fingerprint) in chunk { written[dag.dagId] = fingerprint }
            }
            changed = true
            for (dag, _) in chunk {
                logger.info("DAG stored", metadata: ["dag.id": "\(dag.dagId)", "dag.file": "\(dag.fileloc)"])
            }
        }
        let removed = try await store.deactivate(
            allExcept: contents.dags.map(\.dagId), keepingFiles: Array(contents.errors.keys))
        for dagId in removed {
            changed = true
            written.mutate { $0[dagId] = nil }
            logger.info("DAG deactivated (file removed)", metadata: ["dag.id": "\(dagId)"])
        }
        try await store.replaceImportErrors(contents.errors)
        lastFullWrite.mutate { $0 = .now }
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
