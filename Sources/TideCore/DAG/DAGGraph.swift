/// Graph algorithms over a DAG's tasks.
public enum DAGGraph {
    /// A dependency cycle as task ids, first id repeated at the end (`a -> b -> a`), or nil.
    /// Upstream ids that name no task are ignored (they are reported separately).
    public static func findCycle(_ tasks: [TaskSpec]) -> [String]? {
        let upstream = Dictionary(tasks.map { ($0.taskId, $0.upstream) }, uniquingKeysWith: { first, _ in first })
        let order = Dictionary(tasks.enumerated().map { ($1.taskId, $0) }, uniquingKeysWith: { first, _ in first })
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var path: [String] = []

        // Iterative depth-first search, so a long chain cannot overflow the stack.
        for root in tasks.map(\.taskId) where marks[root] == nil {
            var stack: [(id: String, next: Int)] = [(root, 0)]
            marks[root] = .visiting
            path.append(root)
            while let top = stack.last {
                let parents = upstream[top.id] ?? []
                if top.next < parents.count {
                    stack[stack.count - 1].next += 1
                    let parent = parents[top.next]
                    guard upstream[parent] != nil else { continue }
                    switch marks[parent] {
                    case .visiting:
                        guard let start = path.firstIndex(of: parent) else { continue }
                        // `path` runs downstream -> upstream; print the cycle in dependency order,
                        // starting from the task defined first in the file.
                        let cycle = Array(path[start...].reversed())
                        let first = cycle.indices.min { (order[cycle[$0]] ?? 0) < (order[cycle[$1]] ?? 0) } ?? 0
                        let rotated = Array(cycle[first...] + cycle[..<first])
                        return rotated + [rotated[0]]
                    case .done:
                        continue
                    case nil:
                        marks[parent] = .visiting
                        path.append(parent)
                        stack.append((parent, 0))
                    }
                } else {
                    marks[top.id] = .done
                    path.removeLast()
                    stack.removeLast()
                }
            }
        }
        return nil
    }

    /// Every task downstream of `taskId`, transitively (not including it).
    public static func descendants(of taskId: String, in dag: DAG) -> Set<String> {
        closure(from: taskId, edges: dag.downstream)
    }

    /// Every task upstream of `taskId`, transitively (not including it).
    public static func ancestors(of taskId: String, in dag: DAG) -> Set<String> {
        closure(
            from: taskId, edges: Dictionary(dag.tasks.map { ($0.taskId, $0.upstream) }, uniquingKeysWith: { a, _ in a })
        )
    }

    private static func closure(from start: String, edges: [String: [String]]) -> Set<String> {
        var seen: Set<String> = []
        var stack = edges[start] ?? []
        while let next = stack.popLast() {
            guard seen.insert(next).inserted else { continue }
            stack.append(contentsOf: edges[next] ?? [])
        }
        return seen
    }
}
