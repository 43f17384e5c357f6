import TideCore

extension DagStore {
    /// One page of DAGs matching `query`, with the number of all that match.
    public func page(_ query: DagQuery) async throws -> Page<DagRecord> {
        var page = PageQuery()
        if !query.includeInactive { page.require("d.is_active") }
        if let search = SearchPattern.alternatives(query.search) {
            page.require(
                "d.search_text LIKE ANY(\(page.bind(PGArray.literal(search.map { $0.lowercased() })))::text[])")
        }
        if let prefix = query.idPrefix, !prefix.isEmpty { page.require("starts_with(d.dag_id, \(page.bind(prefix)))") }
        if !query.tags.isEmpty {
            page.require("d.tags \(query.tagsMatchAll ? "@>" : "&&") \(page.bind(PGArray.literal(query.tags)))::text[]")
        }
        if let paused = query.paused { page.require("d.is_paused = \(page.bind(paused ? "true" : "false"))::boolean") }
        let order = query.order.map { key -> String in
            let column =
                switch key.field {
                case .dagId: "d.dag_id"
                case .isPaused: "d.is_paused"
                case .lastParsed: "d.updated_at"
                case .fileloc: "d.fileloc"
                }
            return column + (key.descending ? " DESC" : "")
        }
        let sort = (order + ["d.dag_id"]).joined(separator: ", ")
        let filter = page.filter
        let limit = page.bind(String(query.limit))
        let offset = page.bind(String(query.offset))
        // The page is chosen by id alone (walking the index past the offset), and only its rows
        // get their columns computed; no shared CTE, which PostgreSQL would materialize.
        let rows = try await pool.query(
            """
            SELECT (SELECT count(*) FROM dags d WHERE \(filter)) AS total, page.* FROM (
                SELECT \(DagRecord.columns) FROM dags d
                JOIN (SELECT d.dag_id FROM dags d WHERE \(filter) ORDER BY \(sort) LIMIT \(limit) OFFSET \(offset)) chosen
                  ON chosen.dag_id = d.dag_id
                ORDER BY \(sort)
            ) page RIGHT JOIN (SELECT 1) one ON true
            """, page.parameters, context: "list DAGs"
        ).rows
        return Page(items: rows.compactMap(DagRecord.init(row:)), total: rows.first?.int("total") ?? 0)
    }

    /// One DAG, active or not.
    /// - Throws: ``PGError`` `notFound`.
    public func record(_ dagId: String) async throws -> DagRecord {
        guard
            let record = try await pool.query(
                "SELECT \(DagRecord.columns) FROM dags d WHERE d.dag_id = $1", [dagId], context: "load DAG"
            ).rows.first.flatMap(DagRecord.init(row:))
        else { throw PGError(code: .notFound, message: "no DAG '\(dagId)'") }
        return record
    }

    /// One page of import errors, by file, with their number.
    public func importErrors(limit: Int, offset: Int, descending: Bool = false) async throws -> Page<ImportErrorRecord>
    {
        let rows = try await pool.query(
            """
            SELECT (SELECT count(*) FROM import_errors) AS total, page.* FROM (
                SELECT id, fileloc, message, extract(epoch FROM recorded_at) AS recorded_at FROM import_errors
                ORDER BY id \(descending ? "DESC" : "") LIMIT $1 OFFSET $2
            ) page RIGHT JOIN (SELECT 1) one ON true
            """, [String(limit), String(offset)], context: "list import errors"
        ).rows
        let items = rows.compactMap { row -> ImportErrorRecord? in
            guard let id = row.int64("id"), let file = row["fileloc"], let message = row["message"] else { return nil }
            return ImportErrorRecord(
                id: id, fileloc: file, message: message, recordedAt: row.double("recorded_at") ?? 0)
        }
        return Page(items: items, total: rows.first?.int("total") ?? 0)
    }

    /// One import error by its number.
    /// - Throws: ``PGError`` `notFound`.
    public func importError(id: Int64) async throws -> ImportErrorRecord {
        guard
            let row = try await pool.query(
                """
                SELECT id, fileloc, message, extract(epoch FROM recorded_at) AS recorded_at FROM import_errors
                WHERE id = $1
                """, [String(id)], context: "load import error"
            ).rows.first, let file = row["fileloc"], let message = row["message"]
        else { throw PGError(code: .notFound, message: "no import error \(id)") }
        return ImportErrorRecord(id: id, fileloc: file, message: message, recordedAt: row.double("recorded_at") ?? 0)
    }
}
