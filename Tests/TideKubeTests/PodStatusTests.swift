import Foundation
import Testing
import TideCore

@testable import TideKube

@Suite("Reading pod objects")
struct PodStatusTests {
    @Test func terminatedMainContainerAndEvictedPod() throws {
        let pod = try #require(
            PodStatus(
                try JSONValue.parse(
                    """
                    {"metadata": {"name": "p", "namespace": "jobs", "resourceVersion": "7",
                                  "creationTimestamp": "2026-11-30T10:00:00Z", "labels": {"a": "b"}},
                     "spec": {"nodeName": "n1"},
                     "status": {"phase": "Failed", "reason": "Evicted", "message": "The node was low on memory.",
                                "containerStatuses": [
                                  {"name": "sidecar", "state": {"running": {}}},
                                  {"name": "base", "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]}}
                    """)))
        #expect(pod.namespace == "jobs")
        #expect(pod.labels == ["a": "b"])
        #expect(pod.createdAt == Date(timeIntervalSince1970: 1_796_032_800))
        #expect(pod.isFinished)
        #expect(pod.hasStarted)
        #expect(pod.container == .terminated(exitCode: 137, reason: "OOMKilled", message: nil), "the base container")
        #expect(pod.failureReason == "Evicted: The node was low on memory.")
    }

    @Test func pendingUnschedulablePodAndNonPods() throws {
        let pending = try #require(
            PodStatus(
                try JSONValue.parse(
                    """
                    {"metadata": {"name": "q"}, "status": {"phase": "Pending", "conditions": [
                      {"type": "PodScheduled", "status": "False", "message": "0/3 nodes are available"}]}}
                    """)))
        #expect(pending.namespace == "default")
        #expect(pending.unschedulableMessage == "0/3 nodes are available")
        #expect(!pending.hasStarted)
        #expect(pending.container == nil)
        #expect(PodStatus(try JSONValue.parse(#"{"kind": "Status"}"#)) == nil)
    }
}
