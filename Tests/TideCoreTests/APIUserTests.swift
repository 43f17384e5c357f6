import Testing

@testable import TideCore

@Suite("API users in the configuration")
struct APIUserTests {
    static let hash = "$2b$12$GUFliUNZMRFL3AVdeTurHOjeaa2oUXt9uipT6DwsbQV7zUakoe4yi"

    @Test("users from TIDE_API_USERS, with roles ordered viewer < op < admin")
    func parses() throws {
        let json = #"[{"username": "ana", "role": "op", "password_hash": "\#(Self.hash)"}]"#
        let configuration = try ConfigurationLoader.load(fileText: nil, environment: ["TIDE_API_USERS": json])
        #expect(configuration.api.users == [APIUser(username: "ana", role: .op, passwordHash: Self.hash)])
        #expect(APIRole.viewer < .op && APIRole.op < .admin && !(APIRole.admin < .viewer))
    }

    @Test(
        "every mistake names the entry and field",
        arguments: [
            (#"{"username": "a"}"#, "expected a list of users"),
            (#"[{"username": "", "role": "op", "password_hash": "HASH"}]"#, "TIDE_API_USERS[0].username"),
            (
                #"[{"username": "a", "role": "root", "password_hash": "HASH"}]"#,
                "[0].role: expected viewer, op or admin"
            ),
            (
                #"[{"username": "a", "role": "op", "password_hash": "hunter2"}]"#,
                "[0].password_hash: expected a bcrypt hash"
            ),
            (#"[{"username": "a", "role": "op", "password_hash": "HASH", "password": "x"}]"#, "unknown key 'password'"),
            (
                #"[{"username": "a", "role": "op", "password_hash": "HASH"}, {"username": "a", "role": "op", "password_hash": "HASH"}]"#,
                "[1].username: 'a' is listed twice"
            ),
        ])
    func refuses(json: String, message: String) {
        let text = json.replacingOccurrences(of: "HASH", with: Self.hash)
        #expect {
            _ = try ConfigurationLoader.load(fileText: nil, environment: ["TIDE_API_USERS": text])
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test("a password (from a file) is never echoed in an error")
    func secretNotEchoed() {
        #expect {
            _ = try ConfigurationLoader.load(
                fileText: "api:\n  users:\n    - {username: a, role: op, password_hash: plaintext-secret}\n",
                environment: [:])
        } throws: { error in
            !"\(error)".contains("plaintext-secret") && "\(error)".contains("tide.yaml: api.users[0].password_hash")
        }
    }
}
