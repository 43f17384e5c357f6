import Foundation
import Logging
import Subprocess
import SystemPackage
import TideCore

/// The simulated kubelet: runs a container's `command` + `args` as a local process (the image is
/// ignored), so that logs and exit codes are real.
struct SimKubelet: Sendable {
    let logger: Logger
    /// Folders searched for a container's command, before this process's own `PATH`.
    var extraPath: [String] = []
    /// Seconds between SIGTERM and SIGKILL when a pod is deleted.
    var terminationGraceSeconds: Double = 2

    /// Images whose last path part starts with `fail-pull` cannot be pulled (ErrImagePull).
    static func failsToPull(_ image: String) -> Bool {
        (image.split(separator: "/").last ?? "").hasPrefix("fail-pull")
    }

    /// Starts the pod's first container; output and exit are reported to `cluster`.
    /// - Parameter environment: the container's variables, references to Secrets resolved.
    func start(podKey: String, spec: [String: JSONValue], environment variables: [String: String], cluster: SimCluster)
    {
        guard let container = spec["containers"]?.array?.first?.object else { return }
        let argv =
            (container["command"]?.array ?? []).compactMap(\.string)
            + (container["args"]?.array ?? []).compactMap(\.string)
        var environment: [Environment.Key: String] = [:]
        for key in ["PATH", "HOME", "LANG", "TMPDIR"] {
            if let value = ProcessInfo.processInfo.environment[key], let name = Environment.Key(rawValue: key) {
                environment[name] = value
            }
        }
        if !extraPath.isEmpty {
            environment["PATH"] = (extraPath + [environment["PATH"] ?? "/usr/bin:/bin"]).joined(separator: ":")
        }
        for (name, value) in variables {
            if let key = Environment.Key(rawValue: name) { environment[key] = value }
        }
        let podName = podKey.split(separator: "/").last.map(String.init) ?? podKey
        if let key = Environment.Key(rawValue: "HOSTNAME") { environment[key] = podName }
        let logger = logger
        Task {
            guard let program = argv.first else {
                // No command: the image's entrypoint is not simulated; the container exits at once.
                await cluster.appendLog(
                    podKey, Array("(tide-kubesim: no command given; image entrypoints are not simulated)\n".utf8))
                await cluster.containerExited(podKey, exitCode: 0, reason: "Completed")
                return
            }
            var options = PlatformOptions()
            options.processGroupID = 0
            do {
                let outcome = try await Subprocess.run(
                    program.contains("/") ? .path(FilePath(program)) : .name(program),
                    arguments: Arguments(Array(argv.dropFirst())), environment: .custom(environment),
                    platformOptions: options, input: .none, output: .sequence, error: .combinedWithOutput
                ) { execution in
                    await cluster.containerStarted(podKey, processGroup: execution.processIdentifier.value)
                    for try await chunk in execution.standardOutput {
                        let bytes = chunk.withUnsafeBytes { Array($0) }
                        await cluster.appendLog(podKey, bytes)
                    }
                }
                switch outcome.terminationStatus {
                case .exited(let code):
                    await cluster.containerExited(podKey, exitCode: code, reason: code == 0 ? "Completed" : "Error")
                case .signaled(let signal):
                    // A signal-killed container reports 128 + signal, like a container runtime.
                    let reason = signal == SIGKILL ? "OOMKilled" : "Error"
                    await cluster.containerExited(podKey, exitCode: 128 + signal, reason: reason)
                }
            } catch {
                logger.warning("container failed to start", metadata: ["pod": "\(podKey)", "error": "\(error)"])
                await cluster.appendLog(podKey, Array("failed to start container: \(error)\n".utf8))
                await cluster.containerExited(podKey, exitCode: 128, reason: "StartError")
            }
        }
    }

    /// Stops a deleted pod's process group: SIGTERM, then SIGKILL after the grace period.
    func stop(processGroup: pid_t) {
        guard processGroup > 1 else { return }
        _ = kill(-processGroup, SIGTERM)
        let grace = terminationGraceSeconds
        Task {
            try? await Task.sleep(for: .seconds(grace))
            _ = kill(-processGroup, SIGKILL)
        }
    }
}
