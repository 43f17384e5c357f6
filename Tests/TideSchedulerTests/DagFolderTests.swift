import Foundation
import Testing
import TideCore

@testable import TideScheduler

/// A temporary DAG folder, removed by `remove()`.
struct TemporaryDagFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "tide-dags-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ file: String, dagId: String, description: String = "") throws {
        let text =
            "dag_id: \(dagId)\ndescription: \"\(description)\"\ntasks:\n  - task_id: t\n    command: [\"true\"]\n"
        try text.write(toFile: path + "/" + file, atomically: true, encoding: .utf8)
    }

    func delete(_ file: String) throws { try FileManager.default.removeItem(atPath: path + "/" + file) }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

@Suite("DAG folder: files whose metadata did not change are not read again")
struct DagFolderTests {
    @Test func onlyNewAndChangedFilesAreRead() throws {
        let folder = try TemporaryDagFolder()
        defer { folder.remove() }
        try folder.write("a.yaml", dagId: "a")
        try folder.write("b.yaml", dagId: "b")
        let dagFolder = DagFolder(path: folder.path)
        let cache = DagFolder.ParseCache()

        let first = try dagFolder.load(reusing: cache)
        #expect(first.readFiles == ["a.yaml", "b.yaml"])
        #expect(first.folderChanged)
        #expect(Set(first.sources.keys) == ["a", "b"])

        let unchanged = try dagFolder.load(reusing: cache)
        #expect(unchanged.readFiles.isEmpty)
        #expect(!unchanged.folderChanged)
        #expect(unchanged.dags.map(\.dagId) == ["a", "b"], "unchanged files still yield their DAGs")
        #expect(unchanged.sources.isEmpty)
        #expect(unchanged.fingerprints == first.fingerprints)

        try folder.write("b.yaml", dagId: "b", description: "changed")
        let edited = try dagFolder.load(reusing: cache)
        #expect(edited.readFiles == ["b.yaml"])
        #expect(edited.folderChanged)
        #expect(edited.dags.last?.description == "changed")
        #expect(edited.fingerprints["b"] != first.fingerprints["b"])
        #expect(edited.fingerprints["a"] == first.fingerprints["a"])

        try folder.delete("a.yaml")
        let removed = try dagFolder.load(reusing: cache)
        #expect(removed.readFiles.isEmpty)
        #expect(removed.folderChanged, "a removed file is a change")
        #expect(removed.dags.map(\.dagId) == ["b"])
    }

    @Test func aDuplicateTakesOverWhenTheFirstDefinitionGoes() throws {
        let folder = try TemporaryDagFolder()
        defer { folder.remove() }
        try folder.write("1.yaml", dagId: "x", description: "one")
        try folder.write("2.yaml", dagId: "x", description: "two")
        let dagFolder = DagFolder(path: folder.path)
        let cache = DagFolder.ParseCache()
        let both = try dagFolder.load(reusing: cache)
        #expect(both.dags.map(\.description) == ["one"])
        #expect(both.errors["2.yaml"]?.contains("duplicate dag_id 'x' (already defined in 1.yaml)") == true)
        #expect(both.sources["x"]?.contains("one") == true, "the source is the owner's, not the duplicate's")

        try folder.delete("1.yaml")
        let after = try dagFolder.load(reusing: cache)
        #expect(after.readFiles.isEmpty, "2.yaml did not change")
        #expect(after.dags.map(\.description) == ["two"])
        #expect(after.errors.isEmpty)
        #expect(dagFolder.text(of: "2.yaml")?.contains("two") == true)
    }

    @Test func withoutACacheEveryFileIsRead() throws {
        let folder = try TemporaryDagFolder()
        defer { folder.remove() }
        try folder.write("a.yaml", dagId: "a")
        let dagFolder = DagFolder(path: folder.path)
        #expect(try dagFolder.load().readFiles == ["a.yaml"])
        #expect(try dagFolder.load().readFiles == ["a.yaml"])
    }
}
