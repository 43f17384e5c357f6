/// One page of a filtered list, with the number of items the whole list has.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    /// Items matching the filters, over all pages.
    public var total: Int

    public init(items: [Item], total: Int) {
        self.items = items
        self.total = total
    }
}

/// A sort key of a list: a field the store knows, ascending or descending.
public struct SortKey<Field: Sendable & Hashable>: Sendable, Hashable {
    public var field: Field
    public var descending: Bool

    public init(_ field: Field, descending: Bool = false) {
        self.field = field
        self.descending = descending
    }
}

/// Airflow's `*_pattern` filters: case-insensitive substrings where `%` and `_` are wildcards,
/// `|` separates alternatives and `~` matches everything.
public enum SearchPattern {
    /// The alternatives as SQL `ILIKE` patterns, or nil when the pattern matches everything.
    public static func alternatives(_ pattern: String?) -> [String]? {
        guard let pattern, !pattern.isEmpty, pattern != "~" else { return nil }
        let terms = pattern.split(separator: "|").map { "%" + $0 + "%" }
        return terms.isEmpty ? nil : terms
    }
}

/// A time range filter in Unix seconds; each bound optional and inclusive unless stated.
public struct TimeRange: Sendable, Hashable {
    public var from: Double?
    public var to: Double?
    /// Whether `from` is exclusive (`_gt` rather than `_gte`).
    public var fromExclusive = false
    /// Whether `to` is exclusive (`_lt` rather than `_lte`).
    public var toExclusive = false

    public init(from: Double? = nil, to: Double? = nil) {
        self.from = from
        self.to = to
    }

    public var isEmpty: Bool { from == nil && to == nil }

    /// The SQL condition on `column`, its bounds bound as parameters of `page`.
    func condition(_ column: String, in page: inout PageQuery) -> String {
        var parts: [String] = []
        if let from {
            parts.append("\(column) \(fromExclusive ? ">" : ">=") to_timestamp(\(page.bind(String(from))))")
        }
        if let to {
            parts.append("\(column) \(toExclusive ? "<" : "<=") to_timestamp(\(page.bind(String(to))))")
        }
        return parts.isEmpty ? "true" : parts.joined(separator: " AND ")
    }
}
