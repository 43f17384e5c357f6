import Testing

@testable import TideCore

@Suite("Datasets in DAG files")
struct DatasetScheduleTests {
    @Test func outletsAndADatasetScheduleAreRead() throws {
        let dag = try DAGParser.parse(
            yaml: """
                dag_id: report
                schedule: {datasets: ['s3://lake/sales', 's3://lake/stock', 's3://lake/sales']}
                tasks:
                  - {task_id: t, bash: 'true', outlets: ['postgres://warehouse/marts.sales']}
                """, file: "report.yaml")
        #expect(dag.schedule == .datasets(["s3://lake/sales", "s3://lake/stock"]))
        #expect(dag.schedule.summary == "datasets: s3://lake/sales, s3://lake/stock")
        #expect(!dag.schedule.isTimeBased && dag.timetable(defaultTimeZone: "UTC") == nil)
        #expect(dag.task("t")?.outlets == ["postgres://warehouse/marts.sales"])
        #expect(try DAG.deserialize(dag.serializedJSON()) == dag)
        let assets = try DAGParser.parse(
            yaml: "dag_id: a\nschedule: {assets: [x]}\ntasks: [{task_id: t, bash: 'true'}]\n", file: "a.yaml")
        #expect(assets.schedule == .datasets(["x"]), "Airflow 3's name")
    }

    @Test func badURIsAndSchedulesAreNamed() {
        let found: [String]
        do {
            _ = try DAGParser.parse(
                yaml: """
                    dag_id: d
                    schedule: {datasets: []}
                    tasks:
                      - {task_id: a, bash: 'true', outlets: ['s3://has space']}
                      - {task_id: b, bash: 'true', outlets: ['airflow://x']}
                      - {task_id: c, outlets: [x], sensor: {external_task: {dag_id: o}, timeout: 1m}}
                    """, file: "d.yaml")
            found = []
        } catch {
            found = error.issues.map(\.description)
        }
        #expect(
            found == [
                "d.yaml:2:22: schedule.datasets needs at least one dataset URI",
                "d.yaml:4:41: outlets of task 'a': a dataset URI has no whitespace ('s3://has space')",
                "d.yaml:5:41: outlets of task 'b': the airflow:// scheme is reserved ('airflow://x')",
                "d.yaml:6:27: outlets of task 'c': an external_task sensor updates no dataset (not yet)",
            ])
    }
}
