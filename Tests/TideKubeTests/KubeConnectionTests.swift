import Foundation
import Testing

@testable import TideKube

private let caPEM = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
private let certPEM = "-----BEGIN CERTIFICATE-----\nMIIBclient\n-----END CERTIFICATE-----\n"
private let keyPEM = "-----BEGIN EC PRIVATE KEY-----\nMHcfake\n-----END EC PRIVATE KEY-----\n"

private func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

private func temporaryFolder() throws -> String {
    let folder = NSTemporaryDirectory() + "tide-kube-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
}

private func kubeconfig() -> String {
    """
    apiVersion: v1
    kind: Config
    current-context: gke
    clusters:
      - name: gke-cluster
        cluster:
          server: https://34.1.2.3
          certificate-authority-data: \(base64(caPEM))
      - name: local
        cluster:
          server: https://127.0.0.1:16443
          certificate-authority: certs/ca.crt
    users:
      - name: deployer
        user:
          token: secret-token
      - name: admin
        user:
          client-certificate-data: \(base64(certPEM))
          client-key: certs/admin.key
      - name: gcloud
        user:
          exec: {command: gke-gcloud-auth-plugin, apiVersion: client.authentication.k8s.io/v1beta1}
    contexts:
      - name: gke
        context: {cluster: gke-cluster, user: deployer, namespace: tide}
      - name: local
        context: {cluster: local, user: admin}
      - name: plugin
        context: {cluster: gke-cluster, user: gcloud}
    """
}

@Suite("Kubernetes connection configuration")
struct KubeConnectionTests {
    @Test func theCurrentContextWithCADataAndAToken() throws {
        let connection = try KubeConnection.kubeconfig(kubeconfig(), folder: "/nowhere")
        #expect(connection.server == "https://34.1.2.3")
        #expect(connection.certificateAuthorityPEM == caPEM)
        #expect(connection.bearerToken == "secret-token")
        #expect(connection.namespace == "tide")
        #expect(connection.clientCertificatePEM == nil)
        #expect(!connection.insecureSkipTLSVerify)
    }

    @Test func anotherContextWithFilesRelativeToTheKubeconfigAndAClientCertificate() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/certs", withIntermediateDirectories: true)
        try caPEM.write(toFile: folder + "/certs/ca.crt", atomically: true, encoding: .utf8)
        try keyPEM.write(toFile: folder + "/certs/admin.key", atomically: true, encoding: .utf8)
        let connection = try KubeConnection.kubeconfig(kubeconfig(), folder: folder, context: "local")
        #expect(connection.server == "https://127.0.0.1:16443")
        #expect(connection.certificateAuthorityPEM == caPEM)
        #expect(connection.clientCertificatePEM == certPEM)
        #expect(connection.clientKeyPEM == keyPEM)
        #expect(connection.bearerToken == nil)
        #expect(connection.namespace == "default")
    }

    @Test(arguments: [
        ("gkee", "kubeconfig has no context 'gkee' (did you mean 'gke'?)"),
        (
            "plugin",
            "user 'gcloud' uses an exec credential plugin, which Tide does not run; use a token or client certificate"
        ),
        ("local", "cluster 'local': cannot read certificate-authority certs/ca.crt"),
    ])
    func problemsAreNamed(context: String, message: String) {
        #expect {
            try KubeConnection.kubeconfig(kubeconfig(), folder: "/nowhere", context: context)
        } throws: { error in "\(error)" == message }
    }

    @Test func badYAMLIsReported() {
        #expect(throws: KubeConfigError.self) { try KubeConnection.kubeconfig("clusters: [", folder: "/") }
    }

    @Test func inClusterConfigurationComesFromTheServiceAccount() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "token-123\n".write(toFile: folder + "/token", atomically: true, encoding: .utf8)
        try caPEM.write(toFile: folder + "/ca.crt", atomically: true, encoding: .utf8)
        try "jobs\n".write(toFile: folder + "/namespace", atomically: true, encoding: .utf8)
        let connection = try KubeConnection.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"],
            serviceAccountFolder: folder)
        #expect(connection.server == "https://10.0.0.1:443")
        #expect(connection.bearerToken == "token-123")
        #expect(connection.certificateAuthorityPEM == caPEM)
        #expect(connection.namespace == "jobs")
        let ipv6 = try KubeConnection.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"],
            serviceAccountFolder: folder)
        #expect(ipv6.server == "https://[fd00::1]:443")
        #expect(throws: KubeConfigError.self) {
            try KubeConnection.inCluster(environment: [:], serviceAccountFolder: folder)
        }
    }
}
