import Foundation
import Testing
import TideCore
import TidePostgres
import TideRedis
import TideTestSupport

/// Sensors against real services: a reschedule-mode sensor frees its worker slot between checks,
/// a poke-mode one times out (failed, not retried) or skips with `soft_fail`, an HTTP sensor waits
/// for a URL, and an external-task sensor is checked by the scheduler from PostgreSQL.
@Suite("Sensors", .serialized)
struct SensorIntegrationTests {
    @Test func aRescheduleSensorHoldsNoSlotWhileItWaitsAndPokeSensorsTimeOut() async throws {
        try await withCluster { cluster in
            let ready = cluster.dagsFolder + "/ready.flag"
            try cluster.writeDAG(
                "waits.yaml",
                """
                dag_id: waits
                tasks:
                  # Dispatched first (highest priority) on a worker with one slot: only if the slot is
                  # free between its checks can `produce` run and create what it waits for.
                  - task_id: wait_for_file
                    priority_weight: 100
                    sensor: {file: '\(ready)', mode: reschedule, poke_interval: 1s, timeout: 60s}
                  - task_id: produce
                    bash: touch '\(ready)'
                  - task_id: after
                    upstream: [wait_for_file]
                    bash: echo "the file is there"
                  - task_id: never_there
                    retries: 2
                    retry_delay: 1s
                    upstream: [after]
                    sensor: {file: '\(cluster.dagsFolder)/never/*.csv', poke_interval: 1s, timeout: 2s}
                  # Time for a first check on a loaded machine (CI's: a 1 s timeout once killed
                  # the check before it printed).
                  - task_id: never_soft
                    upstream: [after]
                    sensor: {bash: 'echo checking; exit 1', poke_interval: 1s, timeout: 4s, soft_fail: true}
                """)
            try await cluster.start(loading: "waits", concurrency: 1)
            let run = try await cluster.waitForRun(try await cluster.trigger("waits").id, timeout: 90)
            let tasks = try await cluster.instances(run.id)
            let sensor = try #require(tasks["wait_for_file"])
            #expect(sensor.state == .success)
            #expect(tasks["after"]?.state == .success)
            // It checked at least twice, each check a try of its own that freed the slot; the
            // produce task ran in between.
            #expect(sensor.tryNumber >= 2, "\(sensor)")
            let produce = try #require(tasks["produce"])
            #expect((produce.endedAt ?? .infinity) <= (sensor.endedAt ?? 0))
            let logs = try await cluster.tasks.logs(runId: run.id, taskId: "wait_for_file")
            #expect(logs.first?.state == TryOutcome.rescheduled.rawValue, "\(logs.map(\.state))")
            #expect(logs.first?.content.contains("no file matches \(ready)") == true, "\(logs.first?.content ?? "")")
            #expect(
                logs.first?.content.contains("sensor: not yet (check 1); rescheduled, next check in 1 s") == true,
                "\(logs.first?.content ?? "")")
            #expect(logs.last?.content.contains("sensor: the condition holds (check \(logs.count))") == true)

            // Timed out: failed without using its retries (Airflow's AirflowSensorTimeout).
            let never = try #require(tasks["never_there"])
            #expect(never.state == .failed)
            #expect(never.tryNumber == 1)
            let neverLog = try await cluster.firstLog(run.id, "never_there")
            #expect(neverLog.contains("sensor: timed out after"), "\(neverLog)")
            #expect(try await cluster.tasks.logs(runId: run.id, taskId: "never_there").first?.state == "sensor_timeout")
            #expect(tasks["never_soft"]?.state == .skipped)
            let softLog = try await cluster.firstLog(run.id, "never_soft")
            #expect(softLog.contains("checking\n") && softLog.contains("skipped (soft_fail)"), "\(softLog)")
            #expect(run.state == .failed)
        }
    }

    @Test func anHTTPSensorWaitsForTheURLToAnswer() async throws {
        let server = try LoopbackHTTPServer(failFirst: 2)
        defer { server.stop() }
        try await withCluster { cluster in
            try cluster.writeDAG(
                "health.yaml",
                """
                dag_id: health
                tasks:
                  - task_id: api_up
                    sensor:
                      http: {url: 'http://127.0.0.1:\(server.port)/ready?day={{ ds }}', response_contains: GET /ready}
                      poke_interval: 1s
                      timeout: 30s
                """)
            try await cluster.start(loading: "health")
            let run = try await cluster.runToEnd("health")
            #expect(run.state == .success)
            let log = try await cluster.firstLog(run.id, "api_up")
            #expect(log.contains("answered 500"), "\(log)")
            #expect(log.contains("sensor: the condition holds (check 3)"), "\(log)")
            #expect(server.requests.count == 3)
            #expect(server.requests.first?.path.hasPrefix("/ready?day=20") == true, "rendered: \(server.requests)")
        }
    }

    @Test func anExternalTaskSensorIsCheckedByTheSchedulerAcrossDAGsWithDifferentSchedules() async throws {
        try await withCluster { cluster in
            // Both DAGs are scheduled (at different times of day) from a start far ahead: the runs
            // here are triggered for chosen logical dates.
            try cluster.writeDAG(
                "producer.yaml",
                """
                dag_id: producer
                schedule: '30 1 * * *'
                start_date: 2030-01-01
                tasks:
                  - task_id: publish
                    bash: 'if [ "{{ params.fail }}" = true ]; then exit 1; fi; echo published'
                params: {fail: false}
                """)
            try cluster.writeDAG(
                "consumer.yaml",
                """
                dag_id: consumer
                schedule: '30 2 * * *'
                start_date: 2030-01-01
                tasks:
                  - task_id: wait_for_publish
                    sensor:
                      external_task: {dag_id: producer, task_id: publish, execution_delta: 1h, failed_states: [failed]}
                      mode: reschedule
                      poke_interval: 1s
                      timeout: 60s
                  - task_id: use
                    upstream: [wait_for_publish]
                    bash: echo using
                  - task_id: wait_for_nothing
                    sensor: {external_task: {dag_id: nobody}, poke_interval: 1s, timeout: 2s, soft_fail: true}
                """)
            try await cluster.start(loading: "consumer")
            try await cluster.waitForDAG("producer")
            let day = 1_768_008_600.0  // 2026-01-10T01:30:00Z
            let consumer = try await trigger(cluster, "consumer", at: day + 3600)
            try await Eventually.that(
                "the sensor to wait for a producer run that does not exist yet", describe: cluster.logs
            ) {
                let sensor = try await cluster.instances(consumer.id)["wait_for_publish"]
                return sensor?.state == .upForReschedule
                    && sensor?.sensorStatus == "producer.publish at 2026-01-10T01:30:00Z: no run yet"
            }
            #expect(try await cluster.instances(consumer.id)["use"]?.state == TaskState.none)
            let listed = try await cluster.cli(["tasks", "list", String(consumer.id)])
            #expect(listed.output.contains("wait_for_publish  up_for_reschedule"), "\(listed.output)")
            #expect(
                listed.output.contains(
                    "wait_for_publish: waiting for producer.publish at 2026-01-10T01:30:00Z: no run yet"),
                "\(listed.output)")
            let producer = try await trigger(cluster, "producer", at: day)
            #expect(try await cluster.waitForRun(producer.id).state == .success)
            let done = try await cluster.waitForRun(consumer.id)
            let tasks = try await cluster.instances(consumer.id)
            #expect(tasks["wait_for_publish"]?.state == .success)
            #expect(tasks["wait_for_publish"]?.sensorStatus == "producer.publish at 2026-01-10T01:30:00Z: success")
            #expect(tasks["use"]?.state == .success)
            #expect(tasks["wait_for_nothing"]?.state == .skipped, "soft_fail after its timeout")
            #expect(done.state == .success)
            // No worker ever ran it.
            #expect(tasks["wait_for_publish"]?.workerId == nil)
            #expect(try await cluster.tasks.logs(runId: consumer.id, taskId: "wait_for_publish").isEmpty)

            // A failed state of the awaited task fails the sensor at once (failed_states).
            let failing = try await trigger(cluster, "producer", at: day + 86_400, conf: #"{"fail": true}"#)
            #expect(try await cluster.waitForRun(failing.id).state == .failed)
            let next = try await trigger(cluster, "consumer", at: day + 86_400 + 3600)
            let nextRun = try await cluster.waitForRun(next.id)
            let nextTasks = try await cluster.instances(next.id)
            #expect(nextTasks["wait_for_publish"]?.state == .failed)
            #expect(nextTasks["use"]?.state == .upstreamFailed)
            #expect(nextRun.state == .failed)
        }
    }

    /// Triggers a run for a chosen logical date, as `tide dags trigger --logical-date` does.
    private func trigger(_ cluster: Cluster, _ dagId: String, at logicalDate: Double, conf: String = "{}")
        async throws -> RunRecord
    {
        let run = try await cluster.runs.trigger(dagId: dagId, conf: conf, logicalDate: logicalDate)
        try await EventChannel(keys: cluster.prefix.keys).publish(
            TaskEvent(kind: .runCreated, runId: run.id), on: cluster.redis)
        return run
    }
}
