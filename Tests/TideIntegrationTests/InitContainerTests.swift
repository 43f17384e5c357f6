import Foundation
import Testing
import TideCore
import TideTestSupport

/// Init containers in the simulator behave as in Kubernetes as far as the try's outcome goes: they
/// run first, in order; the first that fails fails the pod and the task's container never runs.
@Suite("Init containers on the simulator", .serialized)
struct InitContainerTests {
    @Test func initContainersRunFirstAndAFailingOneFailsThePodWithItsName() async throws {
        try await withPodCluster { cluster, _, config in
            let marker = cluster.dagsFolder + "/fetched"
            try cluster.writeDAG(
                "init.yaml",
                """
                dag_id: init
                tasks:
                  - task_id: prepared
                    kubernetes_pod:
                      image: busybox
                      init_containers:
                        - {name: fetch, image: busybox, command: [sh, -c, "touch \(marker)"]}
                        - {name: check, image: busybox, command: [sh, -c, "test -f \(marker)"]}
                      cmds: [sh, -c, "test -f \(marker) && echo main ran after fetch"]
                  - task_id: unprepared
                    kubernetes_pod:
                      image: busybox
                      init_containers:
                        - {name: fetch, image: busybox, command: [sh, -c, "exit 3"]}
                      cmds: [echo, the task container ran]
                """)
            try await cluster.start(loading: "init", config: config)
            let run = try await cluster.runToEnd("init")
            let tasks = try await cluster.instances(run.id)
            #expect(tasks["prepared"]?.state == .success)
            #expect(tasks["unprepared"]?.state == .failed)
            let good = try await cluster.firstLog(run.id, "prepared")
            #expect(good.contains("main ran after fetch\n"), "\(good)")
            let events = try #require(good.range(of: "events of pod").map { good[$0.lowerBound...] })
            let order = ["Started container fetch", "Started container check", "Started container base"]
            var rest = Substring(events)
            for step in order {
                let found = rest.range(of: step)
                #expect(found != nil, "'\(step)' missing or out of order in:\n\(events)")
                if let found { rest = rest[found.upperBound...] }
            }
            let bad = try await cluster.firstLog(run.id, "unprepared")
            #expect(bad.contains("failed: init container 'fetch' failed: exit code 3 (Error)"), "\(bad)")
            #expect(!bad.contains("the task container ran"))
        }
    }
}
