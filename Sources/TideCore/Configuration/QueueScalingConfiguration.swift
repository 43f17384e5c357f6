/// Reads `scaling.queues`: a mapping of queue name to `{min_workers, max_workers, worker_concurrency}`.
public enum QueueScalingConfiguration {
    static let keys = ["min_workers", "max_workers", "worker_concurrency"]

    /// - Throws: ``ConfigurationError`` naming the queue and field.
    public static func parse(_ value: JSONValue, source: String) throws(ConfigurationError) -> [String:
        ScalingSettings.QueueScaling]
    {
        guard case .object(let queues) = value else {
            throw ConfigurationError(message: "\(source): expected a mapping of queue name to settings")
        }
        var result: [String: ScalingSettings.QueueScaling] = [:]
        for (queue, settings) in queues {
            let place = "\(source).\(queue)"
            guard Identifier.isValid(queue) else {
                throw ConfigurationError(message: "\(place): invalid queue name (\(Identifier.rule))")
            }
            guard case .object(let fields) = settings else {
                throw ConfigurationError(message: "\(place): expected a mapping of \(keys.joined(separator: ", "))")
            }
            try ConfigurationFields.rejectUnknown(fields.keys, allowed: keys, at: place)
            var parsed = ScalingSettings.QueueScaling()
            parsed.minWorkers = try NodePoolConfiguration.wholeNumber(
                fields["min_workers"], atLeast: 0, at: "\(place).min_workers")
            parsed.maxWorkers = try NodePoolConfiguration.wholeNumber(
                fields["max_workers"], atLeast: max(1, parsed.minWorkers ?? 0), at: "\(place).max_workers")
            parsed.workerConcurrency = try NodePoolConfiguration.wholeNumber(
                fields["worker_concurrency"], atLeast: 1, at: "\(place).worker_concurrency")
            result[queue] = parsed
        }
        return result
    }
}
