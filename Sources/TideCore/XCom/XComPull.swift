import Foundation

/// A value a template reads from another task's results, with Airflow's syntax:
/// `{{ ti.xcom_pull(task_ids='extract') }}` (its return value) or
/// `{{ ti.xcom_pull(task_ids='extract', key='rows') }}`.
///
/// Stencil has no calls, so each pull is rewritten to a variable of its own (`__xcom_0`, …) that
/// the worker fills from PostgreSQL before rendering.
public struct XComPull: Sendable, Hashable, Codable {
    public var taskId: String
    public var key: String

    public init(taskId: String, key: String = XComPull.returnValueKey) {
        self.taskId = taskId
        self.key = key
    }

    /// The key a task's return value is stored under, as in Airflow.
    public static let returnValueKey = "return_value"

    /// `ti.xcom_pull(` + `task_ids=` (optional) + a quoted id + optional `, key=` + a quoted key + `)`.
    nonisolated(unsafe) private static let pattern =
        #/ti\.xcom_pull\(\s*(?:task_ids\s*=\s*)?(?:'([^']*)'|"([^"]*)")\s*(?:,\s*key\s*=\s*(?:'([^']*)'|"([^"]*)")\s*)?\)/#

    /// The pulls in `text`, in order of first appearance.
    public static func pulls(in text: String) -> [XComPull] {
        var found: [XComPull] = []
        for match in text.matches(of: pattern) where !found.contains(pull(match)) { found.append(pull(match)) }
        return found
    }

    /// `text` with each pull replaced by its variable (`__xcom_N`, N its place in `pulls(in:)`).
    static func rewrite(_ text: String) -> String {
        let pulls = pulls(in: text)
        guard !pulls.isEmpty else { return text }
        return text.replacing(pattern) { match in variable(pulls.firstIndex(of: pull(match)) ?? 0) }
    }

    /// The pull a match of ``pattern`` stands for (the id and key in either quotes).
    private static func pull(_ match: Regex<(Substring, Substring?, Substring?, Substring?, Substring?)>.Match)
        -> XComPull
    {
        XComPull(
            taskId: String(match.output.1 ?? match.output.2 ?? ""),
            key: String(match.output.3 ?? match.output.4 ?? Substring(returnValueKey)))
    }

    static func variable(_ index: Int) -> String { "__xcom_\(index)" }

    /// How a pulled value shows in a rendered template: a string as itself, anything else as
    /// compact JSON, nothing pushed as `None` (as Airflow renders a missing value).
    static func rendered(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: "None"
        case .string(let text)?: text
        case let other?: other.jsonText
        }
    }
}
