import TideCommandLine
import TidePostgres
import TideService

extension CommandContext {
    /// The service layer the API uses too: reads, and changes that wake the scheduler.
    func service(pool: PGPool) -> TideService {
        TideService(pool: pool, configuration: configuration, redis: redis)
    }
}
