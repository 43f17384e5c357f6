import Foundation
import TideCore

/// The results a local try published for other tasks (XCom): each `KEY.json` file it wrote in
/// `$TIDE_XCOM_DIR` (`return_value.json` is its return value), and with `do_xcom_push` the last
/// line of its output as its return value when it wrote none (as BashOperator pushes it).
enum XComResults {
    struct Problem: Error, Sendable {
        var message: String
    }

    /// Key → JSON text of every value published.
    /// - Throws: ``Problem`` naming the file that is not JSON, too large, or badly named.
    static func collect(directory: String, lastLine: String?, maxBytes: Int) throws(Problem) -> [String: String] {
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
