import TideCore
import TideRedis

/// Wakes the scheduler after the CLI changed something it must act on (a new run, cleared or
/// marked tasks). Best effort: without Redis the scheduler finds the change on its next full pass.
enum SchedulerWakeUp {
    static func send(_ event: TaskEvent, context: CommandContext) async {
        guard let redis = try? await RedisConnection.connect(context.redis, name: "cli") else { return }
        try? await EventChannel(keys: context.keys).publish(event, on: redis)
        redis.close()
    }
}
