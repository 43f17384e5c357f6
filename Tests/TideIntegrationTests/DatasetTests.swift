import Foundation
import Testing
import TideCore
import TidePostgres
import TideTestSupport

/// A DAG scheduled on two datasets runs once each has been updated since its last run, by two
/// producer DAGs (one a worker's task, one an `empty` task the scheduler succeeds); the run shows
/// the updates that triggered it.
@Suite("Dataset-driven scheduling", .serialized)
struct DatasetTests {
    @Test func aDAGScheduledOnTwoDatasetsRunsWhenBothWereUpdated() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "sales_producer.yaml",
                """
                dag_id: sales_producer
                tasks:
                  - task_id: export
                    outlets: ['s3://lake/sales']
                    bash: echo exported
                  - task_id: broken
                    outlets: ['s3://lake/never']
                    bash: exit 3
                """)
            try cluster.writeDAG(
                "stock_producer.yaml",
                """
                dag_id: stock_producer
                tasks:
                  - {task_id: mark, empty: true, outlets: ['s3://lake/stock']}
                """)
            try cluster.writeDAG(
                "sales_report.yaml",
                """
                dag_id: sales_report
                schedule: {datasets: ['s3://lake/sales', 's3://lake/stock']}
                tasks:
                  - task_id: report
                    bash: echo "reporting for {{ run_id }}"
                """)
            try await cluster.start(loading: "sales_report")
            try await cluster.waitForDAG("sales_producer")
            try await cluster.waitForDAG("stock_producer")
            let datasets = DatasetStore(pool: cluster.schema.pool)

            #expect(try await cluster.runToEnd("sales_producer").state == .failed)
            // One of its two datasets was updated: not ready, and no run.
            #expect(try await datasets.readyDAGs().isEmpty)
            #expect(try await cluster.runs.list(dagId: "sales_report").isEmpty)
            #expect(try await datasets.events(uri: "s3://lake/never").isEmpty, "a failed task updates nothing")

            #expect(try await cluster.runToEnd("stock_producer").state == .success)
            let first = try await Eventually.value("a dataset-triggered run", describe: cluster.logs) {
                try await cluster.runs.list(dagId: "sales_report").first
            }
            #expect(first.runType == "asset_triggered")
            #expect(first.runId.hasPrefix("asset_triggered__"))
            #expect(try await cluster.waitForRun(first.id).state == .success)
            let events = try await datasets.events(triggering: first.id)
            #expect(events.map(\.uri) == ["s3://lake/sales", "s3://lake/stock"])
            #expect(events.map(\.sourceDagId) == ["sales_producer", "stock_producer"])
            #expect(events.map(\.sourceTaskId) == ["export", "mark"])

            // Two more sales updates are not enough; a stock update then triggers one run with all three.
            _ = try await cluster.runToEnd("sales_producer")
            _ = try await cluster.runToEnd("sales_producer")
            #expect(try await datasets.readyDAGs().isEmpty)
            #expect(try await cluster.runs.list(dagId: "sales_report").count == 1)
            _ = try await cluster.runToEnd("stock_producer")
            let second = try await Eventually.value("a second dataset-triggered run", describe: cluster.logs) {
                let runs = try await cluster.runs.list(dagId: "sales_report")
                return runs.count == 2 ? runs.first { $0.id != first.id } : nil
            }
            #expect(try await cluster.waitForRun(second.id).state == .success)
            #expect(
                try await datasets.events(triggering: second.id).map(\.uri)
                    == ["s3://lake/sales", "s3://lake/sales", "s3://lake/stock"])
            let shown = try await cluster.cli(["runs", "show", String(second.id)])
            #expect(shown.output.contains("triggered by dataset updates:"), "\(shown.output)")
            #expect(shown.output.contains("s3://lake/stock  by stock_producer.mark (run "), "\(shown.output)")
        }
    }
}
