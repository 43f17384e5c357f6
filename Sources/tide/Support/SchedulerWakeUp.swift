import TideCommandLine
import TideCore
import TideRedis
import TideService

/// Wakes the scheduler after the CLI changed something it must act on (a new run, cleared or
/// marked tasks). Best effort: without Redis the scheduler finds the change on its next full pass.
enum SchedulerWakeUp {
    static func send(_ event: TaskEvent, context: CommandContext) async {
        let nudger = SchedulerNudger(endpoint: context.redis, keys: context.keys)
        await nudger.send(event)
        nudger.close()
    }
}
