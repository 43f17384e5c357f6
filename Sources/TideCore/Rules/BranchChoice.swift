import Foundation

/// What a branch task chose, with Airflow's semantics (`SkipMixin.skip_all_except`).
///
/// A branch task returns one task id, a list of them, or nothing. Each chosen task and everything
/// downstream of it is followed; the tasks directly downstream of the branch task that are not
/// followed are skipped (and the trigger rules carry the skip on). A join directly downstream of
/// the branch and also downstream of a chosen task is followed, as in Airflow.
///
/// The choice is stored as the branch task's result under ``xcomKey`` (`{"followed": [ids]}`, the
/// followed tasks directly downstream): the scheduler skips the others from it, and a cleared
/// skipped task is skipped again while the branch's choice stands (Airflow's
/// `NotPreviouslySkippedDep`).
public struct BranchChoice: Sendable, Hashable {
    /// The result key Airflow stores a branch's choice under.
    public static let xcomKey = "skipmixin_key"

    /// The tasks directly downstream of the branch task that run.
    public var followed: [String]

    public init(followed: [String]) {
        self.followed = followed
    }

    /// Why a branch's return value cannot be followed; the try fails with it.
    public struct Problem: Error, Sendable, Hashable {
        public var message: String
    }

    /// The task ids a branch's return value names: a string, a list of strings, or null (none).
    /// - Throws: ``Problem`` for any other value.
    public static func taskIds(in value: JSONValue) throws(Problem) -> [String] {
        switch value {
        case .null: return []
        case .string(let id): return [id]
        case .array(let items):
            var ids: [String] = []
            for item in items {
                guard case .string(let id) = item else {
                    throw Problem(message: "a branch returns task ids; the list holds \(item.jsonText)")
                }
                if !ids.contains(id) { ids.append(id) }
            }
            return ids
        default:
            throw Problem(message: "a branch returns a task id or a list of them, not \(value.jsonText)")
        }
    }

    /// The value a branch's last line of output stands for: JSON when it is a JSON string or list
    /// (`["a", "b"]`), otherwise the line itself as one task id.
    public static func returnValue(ofLastLine line: String) -> JSONValue {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if let value = try? JSONValue.parse(trimmed) {
            switch value {
            case .string, .array, .null: return value
            default: break
            }
        }
        return .string(trimmed)
    }

    /// The choice of branch task `branchTask` of `dag` returning `chosen`.
    /// - Throws: ``Problem`` when a chosen id is not a task of the DAG (as Airflow fails the try).
    public static func choice(of branchTask: String, chosen: [String], in dag: CompiledDAG) throws(Problem)
        -> BranchChoice
    {
        let unknown = chosen.filter { dag.index[$0] == nil }
        guard unknown.isEmpty else {
            let names = unknown.map { "'\($0)'" }.joined(separator: ", ")
            throw Problem(
                message: "branch '\(branchTask)' chose \(names), not a task of DAG '\(dag.dagId)'"
                    + (Suggestion.hint(for: unknown[0], among: Set(dag.index.keys)).map { " (\($0))" } ?? ""))
        }
        // Choices declared in the DAG file (`branch: [a, b]`) bound what it may choose.
        let declared = dag.task(branchTask)?.branchChoices ?? []
        if !declared.isEmpty, let outside = chosen.first(where: { !declared.contains($0) }) {
            throw Problem(
                message: "branch '\(branchTask)' chose '\(outside)', not one of its declared choices "
                    + declared.joined(separator: ", "))
        }
        var reached = Set(chosen)
        for id in chosen { reached.formUnion(dag.descendants(of: id)) }
        return BranchChoice(followed: dag.children(of: branchTask).filter(reached.contains))
    }

    /// The stored form: `{"followed": [ids]}`.
    public var jsonValue: JSONValue { .object(["followed": .array(followed.map(JSONValue.string))]) }

    /// Reads the stored form; nil when it is not one (a value stored by something else).
    public init?(_ value: JSONValue) {
        guard let items = value["followed"]?.array else { return nil }
        followed = items.compactMap(\.string)
    }
}
