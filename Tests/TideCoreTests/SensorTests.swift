import Testing

@testable import TideCore

@Suite("Sensors: their definition, timing and decisions")
struct SensorTests {
    private func sensor(_ yaml: String) throws -> SensorTask {
        let dag = try DAGParser.parse(yaml: "dag_id: d\ntasks:\n  - task_id: s\n    sensor:\n" + yaml, file: "d.yaml")
        guard case .sensor(let sensor)? = dag.task("s")?.kind else {
            Issue.record("not a sensor")
            return SensorTask(check: .file(""), timeoutSeconds: 1)
        }
        return sensor
    }

    private func issues(_ yaml: String) -> [String] {
        do {
            _ = try DAGParser.parse(yaml: yaml, file: "d.yaml")
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test func eachCheckIsReadWithAirflowsArguments() throws {
        let file = try sensor(
            """
                  file: /data/{{ ds }}/_SUCCESS
                  poke_interval: 30s
                  timeout: 2h
                  mode: reschedule
                  exponential_backoff: true
                  max_wait: 10m
                  soft_fail: true
            """)
        #expect(
            file
                == SensorTask(
                    check: .file("/data/{{ ds }}/_SUCCESS"), pokeIntervalSeconds: 30, timeoutSeconds: 7200,
                    mode: .reschedule, exponentialBackoff: true, maxWaitSeconds: 600, softFail: true))
        let http = try sensor("      http: {url: 'http://api/health', response_contains: ok}\n      timeout: 5m\n")
        #expect(http.check == .http(HTTPSensorCheck(url: "http://api/health", responseContains: "ok")))
        #expect(http.pokeIntervalSeconds == 60 && http.mode == .poke && !http.softFail)
        #expect(
            try sensor("      http: https://x.example/ready\n      timeout: 1m\n").check
                == .http(.init(url: "https://x.example/ready")))
        let external = try sensor(
            """
                  external_task: {dag_id: upstream, task_id: publish, execution_delta: 1h, failed_states: [failed, upstream_failed]}
                  timeout: 6h
            """)
        #expect(
            external.check
                == .externalTask(
                    ExternalTaskCheck(
                        dagId: "upstream", taskId: "publish", executionDeltaSeconds: 3600, allowedStates: [.success],
                        failedStates: [.failed, .upstreamFailed])))
        #expect(external.check.isCheckedByScheduler)
        #expect(try sensor("      bash: test -s /tmp/x\n      timeout: 10s\n").check == .bash("test -s /tmp/x"))
    }

    @Test func aSensorRoundTripsThroughItsStoredForm() throws {
        let dag = try DAGParser.parse(
            yaml: """
                dag_id: d
                tasks:
                  - task_id: wait
                    sensor: {external_task: {dag_id: other}, timeout: 1h, mode: reschedule}
                  - task_id: poke
                    sensor: {command: [test, -f, x], timeout: 1m, poke_interval: 5s}
                """, file: "d.yaml")
        #expect(try DAG.deserialize(dag.serializedJSON()) == dag)
    }

    @Test func badSensorsAreNamedWhereTheyAreWritten() {
        let found = issues(
            """
            dag_id: d
            tasks:
              - task_id: no_timeout
                sensor: {file: /x}
              - task_id: two_checks
                sensor: {file: /x, bash: 'true', timeout: 1m}
              - task_id: bad_mode
                sensor: {file: /x, timeout: 1m, mode: resched}
              - task_id: no_dag
                sensor: {external_task: {task_id: t}, timeout: 1m}
              - task_id: bad_state
                sensor: {external_task: {dag_id: x, allowed_states: [succes]}, timeout: 1m}
              - task_id: run_state
                sensor: {external_task: {dag_id: x, allowed_states: [skipped]}, timeout: 1m}
              - task_id: bad_url
                sensor: {http: 'ftp://x', timeout: 0s}
              - task_id: unknown_key
                sensor: {file: /x, timeout: 1m, pokeinterval: 5}
            """)
        #expect(
            found == [
                "d.yaml:4:13: sensor of task 'no_timeout' needs a timeout "
                    + "(how long it may wait, e.g. timeout: 6h (Airflow's default of 7 days hides stuck sensors))",
                "d.yaml:6:13: sensor of task 'two_checks' has more than one check: bash, file "
                    + "(give exactly one of bash, command, file, http or external_task)",
                "d.yaml:8:43: unknown mode 'resched' in sensor of task 'bad_mode' (one of poke, reschedule)",
                "d.yaml:10:29: external_task of sensor of task 'no_dag' needs a dag_id "
                    + "(the DAG whose task (or run) it waits for)",
                "d.yaml:12:57: unknown run state 'succes' in allowed_states of external_task of sensor of task "
                    + "'bad_state' (did you mean 'success'?)",
                "d.yaml:14:57: unknown run state 'skipped' in allowed_states of external_task of sensor of task "
                    + "'run_state' (one of queued, running, success, failed)",
                "d.yaml:16:20: invalid URL for http of sensor of task 'bad_url' (use an http:// or https:// URL)",
                "d.yaml:16:40: timeout of sensor of task 'bad_url' must be more than 0",
                "d.yaml:18:37: unknown key 'pokeinterval' in sensor of task 'unknown_key' (did you mean 'poke_interval'?)",
            ])
    }

    @Test func withoutBackOffTheIntervalIsFixedUntilTheTimeout() {
        let sensor = SensorTask(check: .file("/x"), pokeIntervalSeconds: 30, timeoutSeconds: 100)
        #expect(
            SensorTiming.next(after: sensor, pokeCount: 1, elapsedSeconds: 0, key: "k") == .checkAgain(afterSeconds: 30)
        )
        #expect(
            SensorTiming.next(after: sensor, pokeCount: 4, elapsedSeconds: 100, key: "k")
                == .checkAgain(afterSeconds: 30))
        #expect(SensorTiming.next(after: sensor, pokeCount: 5, elapsedSeconds: 100.5, key: "k") == .timedOut)
    }

    @Test func backOffDoublesWithJitterAndStopsAtMaxWaitAndTheTimeout() {
        var sensor = SensorTask(
            check: .file("/x"), pokeIntervalSeconds: 10, timeoutSeconds: 1000, exponentialBackoff: true)
        for count in 1...6 {
            // As Airflow: at least interval · 2^(count−2) (and 1 s), below twice that.
            let minimum = max(1, 10 * pow2(count - 2))
            guard
                case .checkAgain(let seconds) = SensorTiming.next(
                    after: sensor, pokeCount: count, elapsedSeconds: 0, key: "d#t#0")
            else {
                Issue.record("timed out at \(count)")
                continue
            }
            #expect(seconds >= minimum && seconds < 2 * minimum, "check \(count): \(seconds)")
            #expect(
                SensorTiming.next(after: sensor, pokeCount: count, elapsedSeconds: 0, key: "d#t#0")
                    == .checkAgain(afterSeconds: seconds), "the same check waits the same")
        }
        #expect(
            SensorTiming.next(after: sensor, pokeCount: 8, elapsedSeconds: 990, key: "k")
                == .checkAgain(afterSeconds: 10))
        sensor.maxWaitSeconds = 25
        #expect(
            SensorTiming.next(after: sensor, pokeCount: 8, elapsedSeconds: 0, key: "k") == .checkAgain(afterSeconds: 25)
        )
    }

    private func pow2(_ exponent: Int) -> Double { exponent >= 0 ? Double(1 << exponent) : 0.5 }

    @Test func aRescheduleIsAnExtraTryAndATimeoutIsNotRetried() {
        let reschedule = RetryDecision.decide(outcome: .rescheduled, tryNumber: 1, maxTries: 1, delaySeconds: 45)
        #expect(reschedule == .reschedule(afterSeconds: 45))
        #expect(reschedule.state == .upForReschedule && reschedule.extraTry && reschedule.retryAfterSeconds == 45)
        #expect(
            RetryDecision.decide(outcome: .sensorTimedOut, tryNumber: 1, maxTries: 3, delaySeconds: 5)
                == .finish(.failed))
        #expect(!TaskState.upForReschedule.holdsSlot && !TaskState.upForReschedule.isFinished)
    }

    @Test func anExternalTasksStateDecidesAsAirflowsAllowedAndFailedStates() {
        let check = ExternalTaskCheck(dagId: "x", taskId: "t", failedStates: [.failed])
        #expect(check.verdict(on: nil) == .notYet)
        #expect(check.verdict(on: .running) == .notYet)
        #expect(check.verdict(on: .success) == .satisfied)
        #expect(check.verdict(on: .failed) == .failed)
        #expect(ExternalTaskCheck(dagId: "x").verdict(on: .failed) == .notYet, "Airflow's default: wait on")
    }
}
