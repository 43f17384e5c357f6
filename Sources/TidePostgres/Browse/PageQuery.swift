/// Builds the SQL of one filtered, sorted page and the count of every row that matches, with
/// every value bound as a `$n` parameter; only constant fragments (columns, orderings) are
/// written into the text.
struct PageQuery {
    private(set) var parameters: [String?]
    private var conditions: [String] = []

    /// - Parameter parameters: values already bound (as `$1`…) by the conditions to come.
    init(parameters: [String?] = []) { self.parameters = parameters }

    /// Binds a value; returns its placeholder.
    mutating func bind(_ value: String?) -> String {
        parameters.append(value)
        return "$\(parameters.count)"
    }

    /// Adds a condition every row of the page must meet.
    mutating func require(_ condition: String) { conditions.append(condition) }

    var filter: String { conditions.isEmpty ? "true" : conditions.joined(separator: " AND ") }

    /// How a sort key orders: nulls last when descending, first when ascending (PostgreSQL's own).
    static func direction(descending: Bool) -> String { descending ? " DESC NULLS LAST" : " NULLS FIRST" }

    /// `total` and the page's rows; a page past the end is one row with only `total` set.
    mutating func sql(columns: String, from table: String, order: [String], limit: Int, offset: Int) -> String {
        let limit = bind(String(limit))
        let offset = bind(String(offset))
        return """
            SELECT (SELECT count(*) FROM \(table) WHERE \(filter)) AS total, page.* FROM (
                SELECT \(columns) FROM \(table) WHERE \(filter)
                ORDER BY \(order.joined(separator: ", ")) LIMIT \(limit) OFFSET \(offset)
            ) page RIGHT JOIN (SELECT 1) one ON true
            """
    }
}
