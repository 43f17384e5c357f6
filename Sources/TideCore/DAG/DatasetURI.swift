/// Checks a dataset URI (a task's `outlets`, a DAG's `schedule: {datasets: [...]}`) as Airflow
/// does: any non-empty text naming where the data is, without whitespace, not Airflow's own scheme.
public enum DatasetURI {
    /// The longest URI Airflow accepts.
    public static let maximumLength = 1500

    /// What is wrong with `uri`, or nil when it is a valid dataset URI.
    public static func problem(_ uri: String) -> String? {
        if uri.isEmpty { return "a dataset URI must not be empty" }
        if uri.count > maximumLength { return "a dataset URI is at most \(maximumLength) characters" }
        if uri.contains(where: \.isWhitespace) { return "a dataset URI has no whitespace ('\(uri)')" }
        if uri.lowercased().hasPrefix("airflow://") { return "the airflow:// scheme is reserved ('\(uri)')" }
        return nil
    }
}
