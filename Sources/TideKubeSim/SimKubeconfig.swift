import Foundation

/// A kubeconfig that points `kubectl` (or Tide) at a running simulator.
public enum SimKubeconfig {
    /// - Parameters:
    ///   - server: the simulator's URL.
    ///   - certificateAuthorityPEM: the CA that signed its certificate (HTTPS only).
    ///   - token: the bearer token it requires, if any.
    public static func text(server: String, certificateAuthorityPEM: String?, token: String?) -> String {
        var cluster = "    server: \(server)\n"
        if let pem = certificateAuthorityPEM {
            cluster += "    certificate-authority-data: \(Data(pem.utf8).base64EncodedString())\n"
        }
        let user = token.map { "    token: \($0)\n" } ?? "    {}\n"
        return """
            apiVersion: v1
            kind: Config
            clusters:
            - name: tide-sim
              cluster:
            \(cluster)contexts:
            - name: tide-sim
              context:
                cluster: tide-sim
                user: tide-sim
                namespace: default
            current-context: tide-sim
            users:
            - name: tide-sim
              user:
            \(user)
            """
    }
}
