import Testing

@testable import TideCore

@Suite("Pulling other tasks' results in templates (XCom)")
struct XComPullTests {
    @Test func airflowsCallSyntaxIsFoundWithOrWithoutTheArgumentNameAndAKey() {
        let text = """
            load {{ ti.xcom_pull(task_ids='extract') }} {{ ti.xcom_pull("extract") }} \
            {{ ti.xcom_pull(task_ids="extract", key='rows') }} {{ ti.xcom_pull( 'other' ) }}
            """
        #expect(
            XComPull.pulls(in: text) == [
                XComPull(taskId: "extract"), XComPull(taskId: "extract", key: "rows"), XComPull(taskId: "other"),
            ])
    }

    @Test func pulledValuesRenderAsStringsJSONOrNone() throws {
        var context = TemplateContext(
            dagId: "d", taskId: "t", runId: "r", runType: "manual", tryNumber: 1,
            logicalDate: .init(timeIntervalSince1970: 0))
        context.xcoms = [
            XComPull(taskId: "extract"): .string("s3://bucket/2026-01-31.csv"),
            XComPull(taskId: "extract", key: "rows"): .number(1200),
            XComPull(taskId: "shape"): .object(["a": .array([.number(1), .bool(true)])]),
        ]
        let rendered = try TemplateRenderer.render(
            """
            {{ ti.xcom_pull(task_ids='extract') }}|{{ ti.xcom_pull(task_ids='extract', key='rows') }}|\
            {{ ti.xcom_pull('shape') }}|{{ ti.xcom_pull('missing') }}|{{ ds }}
            """, context: context)
        #expect(rendered == #"s3://bucket/2026-01-31.csv|1200|{"a":[1,true]}|None|1970-01-01"#)
    }

    @Test func aPullOfAnUnknownTaskIsAnErrorWithItsLine() {
        let yaml = """
            dag_id: d
            tasks:
              - task_id: extract
                bash: echo x
              - task_id: load
                upstream: [extract]
                bash: echo {{ ti.xcom_pull(task_ids='extrct') }}
            """
        do {
            _ = try DAGParser.parse(yaml: yaml, file: "d.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.issues.first?.message == "task 'load' pulls a result of unknown task 'extrct'")
            #expect(error.issues.first?.hint == "did you mean 'extract'?")
            #expect(error.issues.first?.line != nil)
        }
    }
}
