import Testing

@testable import TideCore

@Suite("Task-instance state machine")
struct TaskInstanceMachineTests {
    private typealias Expected = (to: TaskState, tryChange: TaskInstanceTransition.TryChange)

    /// The specification, written out: for each event, the states it applies to and where it goes.
    private func expected(_ state: TaskState, _ event: TaskInstanceEvent) -> Expected? {
        let unfinished: [TaskState] = [.none, .scheduled, .queued, .running, .upForRetry, .upForReschedule]
        switch event {
        case .schedule: return [.none, .upForRetry, .upForReschedule].contains(state) ? (.scheduled, .same) : nil
        case .queue:
            return [.none, .scheduled, .upForRetry, .upForReschedule].contains(state) ? (.queued, .next) : nil
        case .claim: return state == .queued ? (.running, .same) : nil
        case .finish(let decision): return state == .running ? (decision.state, .same) : nil
        case .giveBack: return state == .running ? (.queued, .same) : nil
        case .succeedWithoutRunning: return state == .none ? (.success, .same) : nil
        case .skip: return state == .none ? (.skipped, .same) : nil
        case .failUpstream: return state == .none ? (.upstreamFailed, .same) : nil
        case .clear: return state == .running ? (.upForRetry, .same) : (.none, .same)
        case .mark(let target): return [.success, .failed, .skipped].contains(target) ? (target, .same) : nil
        case .endRun(let ended): return unfinished.contains(state) && ended.isFinished ? (ended, .same) : nil
        case .sense(let verdict):
            return [.none, .scheduled, .upForReschedule].contains(state)
                && [.success, .failed, .skipped, .upForReschedule].contains(verdict) ? (verdict, .same) : nil
        }
    }

    @Test func everyStateUnderEveryEventFollowsTheSpecification() {
        var allowed = 0
        for state in TaskState.allCases {
            for event in TaskInstanceEvent.representatives {
                let transition = TaskInstanceMachine.transition(from: state, on: event)
                let want = expected(state, event)
                #expect(transition?.to == want?.to, "\(state) on \(event)")
                #expect(transition?.tryChange == want?.tryChange, "\(state) on \(event)")
                if transition != nil { allowed += 1 }
            }
        }
        // 3 schedule + 4 queue + 1 claim + 6 finish + 1 giveBack + 3 decided without running
        // + 10 clear + 3 × 10 mark + 4 finished endings × 6 unfinished states
        // + 4 sensor verdicts × 3 states a sensor the scheduler checks waits in
        #expect(allowed == 3 + 4 + 1 + 6 + 1 + 3 + 10 + 30 + 24 + 12)
    }

    @Test func aFinishedTaskInstanceMovesOnlyByAnOperator() {
        let operatorEvents: [TaskInstanceEvent] = [.clear] + TaskState.allCases.map { .mark($0) }
        for state in TaskState.allCases where state.isFinished {
            for event in TaskInstanceEvent.representatives where !operatorEvents.contains(event) {
                #expect(TaskInstanceMachine.transition(from: state, on: event) == nil, "\(state) on \(event)")
            }
        }
    }

    @Test func onlyQueueingStartsANewTry() {
        for state in TaskState.allCases {
            for event in TaskInstanceEvent.representatives {
                guard let transition = TaskInstanceMachine.transition(from: state, on: event) else { continue }
                #expect((transition.tryChange == .next) == (event == .queue), "\(state) on \(event)")
            }
        }
    }

    @Test func theStoresGuardsComeFromTheMachine() {
        #expect(TaskInstanceMachine.sqlSources(of: .claim) == "('queued')")
        #expect(TaskInstanceMachine.sqlSourcesGuard(of: .claim, column: "ti.state") == "(ti.state || '') IN ('queued')")
        #expect(
            TaskInstanceMachine.sqlSources(of: .queue) == "('none','scheduled','up_for_retry','up_for_reschedule')")
        #expect(TaskInstanceMachine.sqlSources(of: .schedule) == "('none','up_for_retry','up_for_reschedule')")
        #expect(TaskInstanceMachine.sqlSources(of: .sense(.success)) == "('none','scheduled','up_for_reschedule')")
        #expect(TaskInstanceMachine.sqlSources(of: .finish(.finish(.success))) == "('running')")
        #expect(TaskInstanceMachine.sqlSources(of: .giveBack) == "('running')")
        #expect(TaskInstanceMachine.sqlSources(of: .skip) == "('none')")
        #expect(TaskInstanceMachine.sqlSources(of: .clear, to: .upForRetry) == "('running')")
        #expect(
            TaskInstanceMachine.sqlSources(of: .endRun(.failed))
                == "('none','scheduled','queued','running','up_for_retry','up_for_reschedule')")
        #expect(TaskState.holdingSlotSQLList == "('queued','running')")
        #expect(TaskState.finishedSQLList == "('success','failed','skipped','upstream_failed')")
    }

    @Test func operatorStatementsTakeTheirTargetsFromTheMachine() {
        // A clear resets every state, except a running try, which is stopped first.
        let clear = TaskInstanceMachine.sqlTarget(of: .clear, column: "ti.state")
        #expect(clear.hasPrefix("CASE ti.state WHEN 'none' THEN 'none' "))
        #expect(clear.contains("WHEN 'running' THEN 'up_for_retry'"))
        #expect(clear.components(separatedBy: "WHEN").count - 1 == TaskState.allCases.count)
        #expect(clear.hasSuffix(" END"))
        // Ending a run leaves finished task instances alone.
        let ended = TaskInstanceMachine.sqlTarget(of: .endRun(.skipped), column: "state")
        #expect(!ended.contains("WHEN 'success'") && ended.contains("WHEN 'queued' THEN 'skipped'"))
    }
}
