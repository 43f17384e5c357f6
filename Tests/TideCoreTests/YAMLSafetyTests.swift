import Testing

@testable import TideCore

@Suite("DAG files that would hang or exhaust the parser")
struct YAMLSafetyTests {
    /// Nine aliases per level over eight levels: 43 million nodes from ten lines.
    static let laughs = (1...8).map { level in
        let name = "l\(level)"
        let items = level == 1 ? Array(repeating: "x", count: 9) : Array(repeating: "*l\(level - 1)", count: 9)
        return "\(name): &\(name) [\(items.joined(separator: ", "))]"
    }.joined(separator: "\n")

    func rejection(_ yaml: String) -> DAGFileError? {
        do {
            _ = try DAGParser.parse(yaml: yaml, file: "bomb.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test(.timeLimit(.minutes(1))) func aBillionLaughsIsRejectedAtOnceNamingTheAnchor() throws {
        let clock = ContinuousClock()
        let started = clock.now
        let error = try #require(rejection("dag_id: x\nparams:\n  boom: *l8\n" + Self.laughs + "\ntasks: []\n"))
        #expect(clock.now - started < .seconds(1))
        #expect(
            error.issues.first?.description.hasPrefix("bomb.yaml:4: YAML anchors and aliases are not supported") == true
        )
    }

    @Test(.timeLimit(.minutes(1))) func aliasesUsedAsMappingKeysAreRejectedBeforeTheYAMLLibraryHashesThem() throws {
        // The YAML library checks keys for duplicates by hashing them, which walks every alias.
        let yaml = Self.laughs + "\n? *l8\n: 1\n? *l8\n: 2\ndag_id: x\n"
        let error = try #require(rejection(yaml))
        #expect(error.issues.first?.message.contains("anchor '&l1'") == true)
    }

    @Test func anchorsAreFoundInFlowAndAfterTags() throws {
        for yaml in ["dag_id: x\nparams: {a: &p [1]}\n", "dag_id: x\nparams: [1, &p 2]\n", "dag_id: !!str &d x\n"] {
            let error = try #require(rejection(yaml), "\(yaml)")
            #expect(error.issues.first?.message.contains("anchor '&") == true, "\(yaml)")
        }
    }

    @Test func ampersandsInShellCommandsAreNotAnchors() throws {
        let yaml = """
            dag_id: shell
            tasks:
              - task_id: build
                bash: |
                  make build \\
                  && make test && echo done &>/dev/null &
              - task_id: quoted
                bash: "echo '&not_an_anchor'"
            """
        let dag = try DAGParser.parse(yaml: yaml, file: "shell.yaml")
        #expect(dag.tasks.count == 2)
    }

    @Test func oversizedFilesAreRejectedWithTheLimit() throws {
        let yaml = "dag_id: big\ndescription: '" + String(repeating: "a", count: YAMLSafety.maximumBytes) + "'\n"
        let error = try #require(rejection(yaml))
        #expect(error.issues.first?.message.contains("DAG files may have at most 1048576") == true)
    }

    @Test func filesOfTooManyNodesAreRejected() throws {
        let values = Array(repeating: "1", count: DAGParser.maximumNodes + 10).joined(separator: ",")
        let error = try #require(rejection("dag_id: many\nparams: {list: [\(values)]}\n"))
        #expect(error.issues.first?.message == "the file expands to more than 200000 YAML nodes")
    }
}
