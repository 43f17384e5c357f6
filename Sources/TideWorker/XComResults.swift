import Foundation
import TideCore

/// The results a local try published for other tasks (XCom): each `KEY.json` file it wrote in
/// `$TIDE_XCOM_DIR` (`return_value.json` is its return value), and with `do_xcom_push` the last
/// line of its output as its return value when it wrote none (as BashOperator pushes it). A branch
/// task's return value is its choice, stored under ``BranchChoice/xcomKey`` too.
enum XComResults {
    struct Problem: Error, Sendable {
        var message: String
    }

    /// The branch task a try is of, to read its choice.
    struct Branch: Sendable {
        var taskId: String
        var dag: CompiledDAG
    }

    /// The results of a try that mapped tasks expand over (``CompiledDAG/expandedResults``).
    struct Expanded: Sendable {
        var keys: Set<String>
        /// `worker.max_map_length`.
        var maxLength: Int

        /// For a try of `taskId` in `dag`; nil when no mapped task expands over its results.
        init?(taskId: String, dag: CompiledDAG, maxLength: Int) {
            guard let keys = dag.expandedResults[taskId] else { return nil }
            self.keys = keys
            self.maxLength = maxLength
        }
    }

    /// Key → JSON text of every value published, and a branch's choice with the line that says it.
    /// - Throws: ``Problem`` naming the file that is not JSON, too large, or badly named, the
    ///   branch's return value that names no task, or a result a mapped task expands over that is
    ///   missing, not a list (or object), or longer than `worker.max_map_length` (as Airflow fails
    ///   the task that pushed it).
    static func collect(
        directory: String, lastLine: String?, maxBytes: Int, branch: Branch? = nil, expanded: Expanded? = nil
    ) throws(Problem) -> (values: [String: String], notice: String?) {
        var values = try collect(directory: directory, lastLine: branch == nil ? lastLine : nil, maxBytes: maxBytes)
        try check(values, expanded: expanded)
        guard let branch else { return (values, nil) }
        let returned: JSONValue =
            if let text = values[XComPull.returnValueKey], let value = try? JSONValue.parse(text) {
                value
            } else if let lastLine {
                BranchChoice.returnValue(ofLastLine: lastLine)
            } else {
                .null
            }
        let notice = try choose(returned, branch: branch, into: &values)
        return (values, notice)
    }

    /// A branch's choice from its return value, stored beside it (``BranchChoice/xcomKey``).
    /// - Returns: the line that says what it follows and skips.
    static func choose(_ returned: JSONValue, branch: Branch, into values: inout [String: String]) throws(Problem)
        -> String
    {
        let choice: BranchChoice
        do {
            choice = try BranchChoice.choice(
                of: branch.taskId, chosen: try BranchChoice.taskIds(in: returned), in: branch.dag)
        } catch {
            throw Problem(message: error.message)
        }
        values[XComPull.returnValueKey] = returned.jsonText
        values[BranchChoice.xcomKey] = choice.jsonValue.jsonText
        let skipped = branch.dag.children(of: branch.taskId).filter { !choice.followed.contains($0) }
        let list = { (ids: [String]) in ids.isEmpty ? "nothing" : ids.joined(separator: ", ") }
        return "branch: following \(list(choice.followed)); skipping \(list(skipped))"
    }

    /// The return value a `kubernetes_pod` try wrote to ``KubernetesPodTask/returnValuePath``, as
    /// the kubelet reported it (the container's termination message): none when it wrote nothing,
    /// as KubernetesPodOperator pushes nothing for an empty file.
    /// - Throws: ``Problem`` for a value that is not JSON (or was cut at the kubelet's 4096 bytes),
    ///   too large, or not what a mapped task expanding over it needs.
    static func fromTerminationMessage(_ message: String?, maxBytes: Int, expanded: Expanded? = nil) throws(Problem)
        -> [String: String]
    {
        var values: [String: String] = [:]
        let text = (message ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.isEmpty {
            guard let value = try? JSONValue.parse(text) else {
                let path = KubernetesPodTask.returnValuePath
                let limit = KubernetesPodTask.terminationMessageMaxBytes
                throw Problem(
                    message: text.utf8.count >= limit
                        ? "\(path) is over \(limit) bytes, the most a pod's termination message carries: publish where the data is (a path, a URI), not the data"
                        : "\(path) is not JSON")
            }
            let json = value.jsonText
            guard json.utf8.count <= maxBytes else {
                throw Problem(
                    message: "the return value is \(json.utf8.count) bytes, over worker.xcom_max_bytes (\(maxBytes))")
            }
            values[XComPull.returnValueKey] = json
        }
        try check(values, expanded: expanded)
        return values
    }

    /// Each result a mapped task expands over is a list or object within `worker.max_map_length`.
    private static func check(_ values: [String: String], expanded: Expanded?) throws(Problem) {
        for key in expanded?.keys.sorted() ?? [] {
            do {
                _ = try TaskExpansion.items(
                    of: values[key].flatMap { try? JSONValue.parse($0) }, maxLength: expanded?.maxLength ?? 0)
            } catch {
                throw Problem(message: "result '\(key)' is expanded over by a mapped task: \(error.message)")
            }
        }
    }

    /// Key → JSON text of every value published.
    private static func collect(directory: String, lastLine: String?, maxBytes: Int) throws(Problem)
        -> [String: String]
    {
        var values: [String: String] = [:]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() {
            guard name.hasSuffix(".json") else {
                throw Problem(
                    message:
                        "$TIDE_XCOM_DIR/\(name): results are KEY.json files (return_value.json for the return value)")
            }
            let key = String(name.dropLast(5))
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) }) else {
                throw Problem(message: "$TIDE_XCOM_DIR/\(name): a key is letters, digits, '_', '-' and '.'")
            }
            let path = directory + "/" + name
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            guard size <= maxBytes else {
                throw Problem(
                    message: "result '\(key)' is \(size) bytes, over worker.xcom_max_bytes (\(maxBytes)): "
                        + "publish where the data is (a path, a URI), not the data")
            }
            guard let data = FileManager.default.contents(atPath: path),
                let value = try? JSONValue.decode(Array(data))
            else {
                throw Problem(message: "result '\(key)' ($TIDE_XCOM_DIR/\(name)) is not JSON")
            }
            values[key] = value.jsonText
        }
        if values[XComPull.returnValueKey] == nil, let lastLine {
            let text = JSONValue.string(lastLine).jsonText
            guard text.utf8.count <= maxBytes else {
                throw Problem(
                    message: "the last line of output (do_xcom_push) is over worker.xcom_max_bytes (\(maxBytes))")
            }
            values[XComPull.returnValueKey] = text
        }
        return values
    }
}
