import Foundation
import Testing
import TideCore
import TideHTTP
import TideKubeSim
import TideTestSupport

@testable import TideKube

@Suite("Kubernetes client against the simulator")
struct KubeClientTests {
    @Test("create, get, list by label, label, delete; 404 and 409 are told apart")
    func podLifecycle() async throws {
        try await withSimulator { url in
            let client = KubeClient(connection: KubeConnection(server: url))
            defer { client.close() }
            let created = try await client.createPod(
                podManifest("hello", command: ["sh", "-c", "echo hi"], labels: ["app": "t"]), namespace: "default")
            #expect(created.name == "hello")
            #expect(created.labels["app"] == "t")
            let conflict = await #expect(throws: KubeAPIError.self) {
                _ = try await client.createPod(podManifest("hello", command: ["true"]), namespace: "default")
            }
            #expect(conflict?.isConflict == true)
            #expect(try await client.pod(namespace: "default", name: "missing") == nil)
            let done = try await Eventually.value("pod to finish") {
                try await client.pod(namespace: "default", name: "hello").flatMap { $0.isFinished ? $0 : nil }
            }
            #expect(done.phase == "Succeeded")
            #expect(done.container == .terminated(exitCode: 0, reason: "Completed", message: nil))
            try await client.labelPod(namespace: "default", name: "hello", labels: ["tide.io/finished": "true"])
            let selected = try await client.pods(namespace: "default", labelSelector: "app=t,tide.io/finished=true")
            #expect(selected.pods.map(\.name) == ["hello"])
            #expect(try await client.pods(namespace: "default", labelSelector: "app=t,!tide.io/finished").pods.isEmpty)
            #expect(try await client.deletePod(namespace: "default", name: "hello"))
            #expect(try await client.deletePod(namespace: "default", name: "hello") == false)
        }
    }

    @Test("an invalid manifest is refused with the server's reason")
    func invalidManifest() async throws {
        try await withSimulator { url in
            let client = KubeClient(connection: KubeConnection(server: url))
            defer { client.close() }
            let error = await #expect(throws: KubeAPIError.self) {
                _ = try await client.createPod(podManifest("Bad_Name", command: ["true"]), namespace: "default")
            }
            #expect(error?.status == 422)
            #expect(error?.description.contains("RFC 1123") == true)
        }
    }

    @Test("followed logs arrive while the container runs and end with it")
    func followLogs() async throws {
        try await withSimulator { url in
            let client = KubeClient(connection: KubeConnection(server: url))
            defer { client.close() }
            _ = try await client.createPod(
                podManifest("talker", command: ["sh", "-c", "echo one; sleep 0.5; echo two; exit 3"]),
                namespace: "default")
            try await Eventually.that("container to start") {
                try await client.pod(namespace: "default", name: "talker")?.hasStarted == true
            }
            var text = ""
            for try await chunk in try await client.followLog(namespace: "default", name: "talker", container: "base") {
                text += String(decoding: chunk, as: UTF8.self)
            }
            #expect(text == "one\ntwo\n")
            let pod = try await client.pod(namespace: "default", name: "talker")
            #expect(pod?.phase == "Failed")
            #expect(pod?.container == .terminated(exitCode: 3, reason: "Error", message: nil))
        }
    }

    @Test("a pod follow survives an expired watch version (410 Gone) by listing again")
    func followAcrossGone() async throws {
        try await withSimulator { url in
            let client = KubeClient(connection: KubeConnection(server: url))
            defer { client.close() }
            _ = try await client.createPod(podManifest("slow", command: ["sleep", "30"]), namespace: "default")
            let (watch, _) = try await client.pods(namespace: "default")
            let oldVersion = watch.first?.resourceVersion ?? "1"
            _ = try await client.call("POST", "/tide-sim/compact-history", what: "compact")
            let gone = await #expect(throws: KubeAPIError.self) {
                for try await _ in try await client.watchPods(
                    namespace: "default", resourceVersion: oldVersion, timeoutSeconds: 5)
                {}
            }
            #expect(gone?.isGone == true)

            let seen = LockedBox<[String]>([])
            let steps = LockedBox<[PodFollower.Step]>([])
            let follower = PodFollower(client: client, watchTimeoutSeconds: 1) { step in
                steps.mutate { $0.append(step) }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await follower.follow(namespace: "default", name: "slow") { pod in
                        seen.mutate { $0.append(pod?.phase ?? "gone") }
                        return true
                    }
                }
                try await Eventually.that("the follower to see the pod running") { seen.value.contains("Running") }
                // The history expires while a watch is open; when it ends (after 1 s) the resume gets 410.
                _ = try await client.call("POST", "/tide-sim/compact-history", what: "compact")
                try await Eventually.that("the follower to meet an expired version") { steps.value.contains(.expired) }
                try await client.deletePod(namespace: "default", name: "slow")
                try await group.next()
            }
            #expect(seen.value.last == "gone")
            #expect(steps.value.filter { $0 == .listed }.count >= 2)
        }
    }

    @Test("TLS with the cluster's CA and a bearer token, from a kubeconfig; wrong token and unknown CA refused")
    func tlsAndToken() async throws {
        let certificates = try TestCertificates.generate()
        try await withSimulator({ options in
            options.tlsCertificatePath = certificates.serverCertificatePath
            options.tlsKeyPath = certificates.serverKeyPath
            options.token = "s3cret-token"
        }) { url in
            #expect(url.hasPrefix("https://"))
            let kubeconfig = SimKubeconfig.text(
                server: url, certificateAuthorityPEM: certificates.caCertificatePEM, token: "s3cret-token")
            let connection = try KubeConnection.kubeconfig(kubeconfig, folder: certificates.folder)
            let client = KubeClient(connection: connection)
            defer { client.close() }
            #expect(try await client.pods(namespace: "default").pods.isEmpty)

            // The same server seen from inside a pod: service-account files and KUBERNETES_SERVICE_*.
            let account = certificates.folder + "/serviceaccount"
            try FileManager.default.createDirectory(atPath: account, withIntermediateDirectories: true)
            try "s3cret-token\n".write(toFile: account + "/token", atomically: true, encoding: .utf8)
            try certificates.caCertificatePEM.write(toFile: account + "/ca.crt", atomically: true, encoding: .utf8)
            try "jobs\n".write(toFile: account + "/namespace", atomically: true, encoding: .utf8)
            let port = try #require(url.split(separator: ":").last.map(String.init))
            let inCluster = try KubeConnection.inCluster(
                environment: ["KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": port],
                serviceAccountFolder: account)
            #expect(inCluster.namespace == "jobs")
            let podClient = KubeClient(connection: inCluster)
            defer { podClient.close() }
            _ = try await podClient.createPod(podManifest("from-inside", command: ["true"]), namespace: "jobs")
            #expect(try await client.pods(namespace: "jobs").pods.map(\.name) == ["from-inside"])

            var wrongToken = connection
            wrongToken.bearerToken = "nope"
            let unauthorized = KubeClient(connection: wrongToken, maxAttempts: 1)
            defer { unauthorized.close() }
            let denied = await #expect(throws: KubeAPIError.self) {
                _ = try await unauthorized.pods(namespace: "default")
            }
            #expect(denied?.status == 401)
            #expect(denied?.description.contains("nope") == false)

            var unknownCA = connection
            unknownCA.certificateAuthorityPEM = nil
            let untrusting = KubeClient(connection: unknownCA, maxAttempts: 1)
            defer { untrusting.close() }
            let tls = await #expect(throws: KubeAPIError.self) { _ = try await untrusting.pods(namespace: "default") }
            #expect(tls?.isTransient == false)
        }
    }

    @Test("500s are retried until an answer comes, and no further than the attempts allow")
    func serverErrorsRetried() async throws {
        let flaky = try LoopbackHTTPServer(failFirst: 2)
        defer { flaky.stop() }
        let client = KubeClient(connection: KubeConnection(server: "http://127.0.0.1:\(flaky.port)"), maxAttempts: 3)
        defer { client.close() }
        // The third attempt gets the test server's plain-text 200, which is not a pod list.
        let answered = await #expect(throws: KubeAPIError.self) { _ = try await client.pods(namespace: "default") }
        #expect(answered?.status == 200)
        #expect(flaky.requests.count == 3)

        let broken = try LoopbackHTTPServer(failFirst: 10)
        defer { broken.stop() }
        let giving = KubeClient(connection: KubeConnection(server: "http://127.0.0.1:\(broken.port)"), maxAttempts: 2)
        defer { giving.close() }
        let failed = await #expect(throws: KubeAPIError.self) { _ = try await giving.pods(namespace: "default") }
        #expect(failed?.status == 500)
        #expect(broken.requests.count == 2)
    }

    @Test("a 429 is retried after the server's Retry-After, not the shorter back-off")
    func retryAfterIsHonoured() async throws {
        let throttling = try LoopbackHTTPServer(failFirst: 1)
        defer { throttling.stop() }
        let client = KubeClient(
            connection: KubeConnection(server: "http://127.0.0.1:\(throttling.port)/throttle"), maxAttempts: 3)
        defer { client.close() }
        let started = Date()
        let answered = await #expect(throws: KubeAPIError.self) { _ = try await client.pods(namespace: "default") }
        #expect(answered?.status == 200, "the second attempt got through")
        #expect(throttling.requests.count == 2)
        // The first back-off is at most 0.2 s; the server asked for 1 s.
        #expect(Date().timeIntervalSince(started) >= 0.95)
    }

    @Test("an unreachable server fails after the attempts, with back-off between them")
    func retries() async throws {
        let client = KubeClient(connection: KubeConnection(server: "http://127.0.0.1:9"), maxAttempts: 3)
        defer { client.close() }
        let started = Date()
        let error = await #expect(throws: KubeAPIError.self) { _ = try await client.pods(namespace: "default") }
        #expect(error?.isTransient == true)
        // Two back-offs of at least 0.16 s and 0.32 s happened between the three attempts.
        #expect(Date().timeIntervalSince(started) >= 0.45)
    }
}
