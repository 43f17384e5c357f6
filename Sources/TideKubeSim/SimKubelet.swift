import Foundation
import Logging
import Subprocess
import SystemPackage
import TideCore

/// The simulated kubelet: runs a container's `command` + `args` as a local process (the image is
/// ignored), so that logs and exit codes are real. Init containers run first, one after the
/// other; the first that fails fails the pod and the main container never starts.
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

    /// How a container's process ended.
    struct Exit: Sendable {
        var code: Int32
        var reason: String
        /// What it wrote at its `terminationMessagePath` (at most 4096 bytes, as the kubelet reads).
        var message: String? = nil
    }

    /// The kubelet's default `terminationMessagePath`, which the simulator does not provide.
    static let defaultTerminationMessagePath = "/dev/termination-log"

    /// Starts the pod's first container; output and exit are reported to `cluster`.
    /// - Parameter environment: the container's variables, references to Secrets resolved.
    func start(podKey: String, spec: [String: JSONValue], environment variables: [String: String], cluster: SimCluster)
    {
        guard let container = spec["containers"]?.array?.first?.object else { return }
        let environment = self.environment(podKey: podKey, variables: variables)
        Task {
            guard
                let exit = await run(
                    container, environment: environment, podKey: podKey, cluster: cluster, isMain: true)
            else {
                // No command: the image's entrypoint is not simulated; the container exits at once.
                await cluster.appendLog(
                    podKey, Array("(tide-kubesim: no command given; image entrypoints are not simulated)\n".utf8))
                await cluster.containerExited(podKey, exitCode: 0, reason: "Completed")
                return
            }
            await cluster.containerExited(podKey, exitCode: exit.code, reason: exit.reason, message: exit.message)
        }
    }

    /// Runs the pod's init containers in order, reporting each end to `cluster`, which starts the
    /// main container after the last one succeeded.
    func runInitContainers(
        podKey: String, spec: [String: JSONValue], environment variables: [String: String], cluster: SimCluster
    ) {
        let containers = (spec["initContainers"]?.array ?? []).compactMap(\.object)
        let environment = self.environment(podKey: podKey, variables: variables)
        Task {
            for container in containers {
                let name = container["name"]?.string ?? "init"
                await cluster.initContainerStarted(podKey, name: name)
                let exit =
                    await run(container, environment: environment, podKey: podKey, cluster: cluster, isMain: false)
                    ?? Exit(code: 0, reason: "Completed")
                guard await cluster.initContainerExited(podKey, name: name, exitCode: exit.code, reason: exit.reason)
                else { return }
            }
        }
    }

    /// Runs one container's process to its end; nil when it has no command.
    private func run(
        _ container: [String: JSONValue], environment: [Environment.Key: String], podKey: String, cluster: SimCluster,
        isMain: Bool
    ) async -> Exit? {
        var argv =
            (container["command"]?.array ?? []).compactMap(\.string)
            + (container["args"]?.array ?? []).compactMap(\.string)
        guard !argv.isEmpty else { return nil }
        // A termination message file: as the kubelet does, a file of the pod's own is mounted at the
        // path (in a private mount namespace, so pods writing the same path do not meet), and read
        // when the container ends.
        var terminationLog: TerminationLog?
        if isMain, let path = container["terminationMessagePath"]?.string,
            path != Self.defaultTerminationMessagePath
        {
            do {
                let log = try TerminationLog(mountedAt: path)
                argv = log.wrap(argv)
                terminationLog = log
            } catch {
                await cluster.appendLog(podKey, Array("tide-kubesim: terminationMessagePath \(path): \(error)\n".utf8))
                return Exit(code: 128, reason: "StartError")
            }
        }
        defer { terminationLog?.remove() }
        let program = argv[0]
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
                    // An init container's output is its own log, not the main container's.
                    guard isMain else { continue }
                    let bytes = chunk.withUnsafeBytes { Array($0) }
                    await cluster.appendLog(podKey, bytes)
                }
            }
            let message = terminationLog?.read()
            switch outcome.terminationStatus {
            case .exited(let code):
                return Exit(code: code, reason: code == 0 ? "Completed" : "Error", message: message)
            case .signaled(let signal):
                // A signal-killed container reports 128 + signal, like a container runtime.
                return Exit(code: 128 + signal, reason: signal == SIGKILL ? "OOMKilled" : "Error", message: message)
            }
        } catch {
            logger.warning("container failed to start", metadata: ["pod": "\(podKey)", "error": "\(error)"])
            if isMain { await cluster.appendLog(podKey, Array("failed to start container: \(error)\n".utf8)) }
            return Exit(code: 128, reason: "StartError")
        }
    }

    private func environment(podKey: String, variables: [String: String]) -> [Environment.Key: String] {
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
        return environment
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
