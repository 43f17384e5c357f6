import Testing
import TideTestSupport

@testable import TidePostgres

/// Array parameters are sent as PostgreSQL array literals; whatever a string holds must come back
/// as it went.
@Suite("Array literals")
struct PGArrayTests {
    static let awkward: [String] = [
        "", "plain", "NULL", "with space", #"a "quoted" word"#, #"back\slash"#, #"\"#, #"""#, #"\""#,
        "comma, and {braces}", "line\nbreak\ttab", "ünïcödé ✓ 日本", String(repeating: #"x\"y"#, count: 10_000),
    ]

    @Test func everyStringComesBackAsItWent() async throws {
        let schema = try await IsolatedSchema.create()
        let rows = try await schema.pool.query(
            "SELECT value FROM unnest($1::text[]) WITH ORDINALITY AS a(value, position) ORDER BY position",
            [PGArray.literal(Self.awkward)]
        ).rows
        #expect(rows.map { $0["value"] } == Self.awkward)
    }

    @Test func nilIsNullAndTheWordNULLIsAString() async throws {
        let schema = try await IsolatedSchema.create()
        let rows = try await schema.pool.query(
            "SELECT value IS NULL AS missing, value FROM unnest($1::text[]) WITH ORDINALITY AS a(value, position) ORDER BY position",
            [PGArray.literal([nil, "NULL", #"say "hi""#] as [String?])]
        ).rows
        #expect(rows.map { $0["missing"] } == ["t", "f", "f"])
        #expect(rows.map { $0["value"] } == [nil, "NULL", #"say "hi""#])
    }
}
