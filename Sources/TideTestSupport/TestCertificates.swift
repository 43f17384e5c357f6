import Foundation

/// A throwaway CA and a server certificate it signed (for 127.0.0.1 and localhost), made with
/// the `openssl` command, for tests of TLS connections to local servers.
public struct TestCertificates: Sendable {
    public let folder: String
    public var caCertificatePath: String { folder + "/ca.crt" }
    public var serverCertificatePath: String { folder + "/server.crt" }
    public var serverKeyPath: String { folder + "/server.key" }
    public var caCertificatePEM: String { (try? String(contentsOfFile: caCertificatePath, encoding: .utf8)) ?? "" }

    /// Generates the files in a new temporary folder.
    /// - Throws: when `openssl` is missing or fails (its output is in the error).
    public static func generate() throws -> TestCertificates {
        let folder = NSTemporaryDirectory() + "tide-certs-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let extensions = folder + "/server.ext"
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n".write(
            toFile: extensions, atomically: true, encoding: .utf8)
        let steps: [[String]] = [
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=tide-test-ca", "-keyout", folder + "/ca.key", "-out", folder + "/ca.crt",
            ],
            [
                "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=127.0.0.1",
                "-keyout", folder + "/server.key", "-out", folder + "/server.csr",
            ],
            [
                "x509", "-req", "-in", folder + "/server.csr", "-CA", folder + "/ca.crt", "-CAkey", folder + "/ca.key",
                "-CAcreateserial", "-days", "2", "-extfile", extensions, "-out", folder + "/server.crt",
            ],
        ]
        for arguments in steps { try openssl(arguments) }
        return TestCertificates(folder: folder)
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestCertificatesError(output: String(decoding: output, as: UTF8.self))
        }
    }
}

/// `openssl` failed while making test certificates.
public struct TestCertificatesError: Error, CustomStringConvertible {
    public let output: String
    public var description: String { "openssl failed: \(output)" }
}
