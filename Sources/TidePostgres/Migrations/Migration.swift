/// One numbered schema change. Released migrations are never edited; changes come as new ones.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    /// Every migration, in order.
    public static let all: [Migration] = [
        initialSchema, runsByLogicalDate, pools, callbacks, podTasks, startedIndex, restAPI, webUI, dispatchColumns,
        logChunks, processClocks, xcom, sensors, datasets, mapping, insertedStateEvents,
    ]
}
