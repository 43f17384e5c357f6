import Foundation
import Hummingbird
import TideCore

/// Tells "no such resource" (404) from "no such method on this resource" (405 with `Allow`), as
/// FastAPI does, from the paths and methods of the OpenAPI document Tide serves.
struct MethodCheck: Sendable {
    /// Each documented path as its segments (`nil` for a `{parameter}`), with its methods.
    let routes: [(segments: [String?], methods: [String])]

    init(document: [UInt8]?) {
        guard let document, let paths = (try? JSONValue.decode(document))?["paths"]?.object else {
            routes = []
            return
        }
        routes = paths.map { path, item in
            let segments = path.split(separator: "/").map { $0.hasPrefix("{") ? nil : String($0) }
            return (segments, (item.object?.keys.map { $0.uppercased() } ?? []).sorted())
        }
    }

    /// The methods allowed on `path`, when it is a documented resource. Where several paths match
    /// (`{task_id}/xcomEntries` and `{task_id}/{map_index}`), the one with a fixed segment where
    /// the others have a parameter, first from the left, is the resource (as the router picks it).
    func allowedMethods(for path: String) -> [String]? {
        let parts = path.split(separator: "/").map(String.init)
        let matches = routes.filter { route in
            route.segments.count == parts.count
                && zip(route.segments, parts).allSatisfy { expected, actual in expected == nil || expected == actual }
        }
        let fixed = { (route: (segments: [String?], methods: [String])) in route.segments.map { $0 != nil } }
        let best = matches.max { left, right in
            zip(fixed(left), fixed(right)).first { $0 != $1 }.map { !$0.0 && $0.1 } ?? false
        }
        return best?.methods
    }
}
