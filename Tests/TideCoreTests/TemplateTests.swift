import Foundation
import Testing

@testable import TideCore

private func date(_ text: String) -> Date { LocalDate.parse(text, in: TimeZone(secondsFromGMT: 0)!)! }

private let context = TemplateContext(
    dagId: "sales", taskId: "load", runId: "scheduled__2026-01-31T00:00:00Z", runType: "scheduled", tryNumber: 2,
    logicalDate: date("2026-01-31T00:00:00Z"), dataIntervalStart: date("2026-01-31T00:00:00Z"),
    dataIntervalEnd: date("2026-02-01T00:00:00Z"), previousLogicalDate: date("2026-01-30T00:00:00Z"),
    nextLogicalDate: date("2026-02-01T00:00:00Z"),
    params: ["table": .string("daily"), "limit": .number(10), "regions": .array([.string("eu"), .string("us")])],
    conf: ["day": .string("2026-01-31")])

@Suite("Templates")
struct TemplateTests {
    @Test(arguments: [
        ("{{ ds }}", "2026-01-31"), ("{{ ds_nodash }}", "20260131"), ("{{ ts }}", "2026-01-31T00:00:00+00:00"),
        ("{{ ts_nodash }}", "20260131T000000"), ("{{ logical_date }}", "2026-01-31 00:00:00+00:00"),
        ("{{ data_interval_start }}", "2026-01-31 00:00:00+00:00"),
        ("{{ data_interval_end }}", "2026-02-01 00:00:00+00:00"),
        ("{{ prev_ds }}", "2026-01-30"), ("{{ next_ds }}", "2026-02-01"),
        ("{{ run_id }}", "scheduled__2026-01-31T00:00:00Z"),
        ("{{ dag.dag_id }}", "sales"), ("{{ task.task_id }}", "load"), ("{{ ti.try_number }}", "2"),
        ("{{ params.table }}", "daily"), ("{{ params.limit }}", "10"), ("{{ dag_run.conf.day }}", "2026-01-31"),
        ("{{ dag_run.run_type }}", "scheduled"),
    ])
    func everyVariable(template: String, expected: String) throws {
        #expect(try TemplateRenderer.render(template, context: context) == expected)
    }

    @Test(arguments: [
        ("{{ ds|ds_add:-1 }}", "2026-01-30"), ("{{ ds | ds_add:1 }}", "2026-02-01"),
        ("{{ ds|ds_add:-31 }}", "2025-12-31"),
        ("{{ ds|ds_format:\"%d/%m/%Y\" }}", "31/01/2026"), ("{{ ds|ds_add:-1|ds_format:\"%Y%m%d\" }}", "20260130"),
        ("s3://bucket/{{ ds_nodash }}/part-{{ ti.try_number }}.csv", "s3://bucket/20260131/part-2.csv"),
        ("{% for region in params.regions %}{{ region }};{% endfor %}", "eu;us;"),
    ])
    func filtersAndBlocks(template: String, expected: String) throws {
        #expect(try TemplateRenderer.render(template, context: context) == expected)
    }

    /// `template_timezone`: the same instant as the zone's wall clock and offset; a date that is
    /// already the next day there renders as that day.
    @Test(arguments: [
        ("{{ ds }}", "2026-02-01"), ("{{ ds_nodash }}", "20260201"), ("{{ ts }}", "2026-02-01T05:00:00+09:00"),
        ("{{ ts_nodash }}", "20260201T050000"), ("{{ ts_nodash_with_tz }}", "20260201T050000+0900"),
        ("{{ logical_date }}", "2026-02-01 05:00:00+09:00"),
        ("{{ dag_run.logical_date }}", "2026-02-01 05:00:00+09:00"),
        ("{{ data_interval_end }}", "2026-02-02 05:00:00+09:00"), ("{{ prev_ds }}", "2026-01-31"),
        ("{{ next_ds_nodash }}", "20260202"), ("{{ ds|ds_add:-1 }}", "2026-01-31"),
    ])
    func datesRenderInTheTemplateTimeZone(template: String, expected: String) throws {
        var seoul = context
        seoul.timeZone = try #require(TimeZone(identifier: "Asia/Seoul"))
        seoul.logicalDate = date("2026-01-31T20:00:00Z")
        seoul.dataIntervalStart = date("2026-01-31T20:00:00Z")
        seoul.dataIntervalEnd = date("2026-02-01T20:00:00Z")
        seoul.previousLogicalDate = date("2026-01-30T20:00:00Z")
        seoul.nextLogicalDate = date("2026-02-01T20:00:00Z")
        #expect(try TemplateRenderer.render(template, context: seoul) == expected)
    }

    @Test func utcIsTheDefaultZoneWithItsOffsetSpelledOut() throws {
        #expect(try TemplateRenderer.render("{{ ts_nodash_with_tz }}", context: context) == "20260131T000000+0000")
    }

    @Test func leapDaysAreDays() throws {
        var leap = context
        leap.logicalDate = date("2028-02-28T00:00:00Z")
        #expect(try TemplateRenderer.render("{{ ds|ds_add:1 }}", context: leap) == "2028-02-29")
    }

    @Test func textWithoutTemplatesIsUntouched() throws {
        let text = "echo ${HOME} {not a template} $((1+1))"
        #expect(try TemplateRenderer.render(text, context: context) == text)
    }

    @Test(arguments: [
        ("{{ dss }}", "unknown variable 'dss' (did you mean 'ds'?)"),
        ("{{ params.tabel }}", "unknown variable 'params.tabel' (did you mean 'table'?)"),
        ("{{ dag_run.conf.missing }}", "unknown variable 'dag_run.conf.missing'"),
    ])
    func unknownVariablesAreErrorsNotEmptyStrings(template: String, message: String) {
        #expect(throws: TemplateError.self) { try TemplateRenderer.render(template, context: context) }
        do { _ = try TemplateRenderer.render(template, context: context) } catch { #expect(error.message == message) }
    }

    @Test func syntaxAndFilterErrorsAreReported() {
        for template in ["{% if %}", "{{ ds|no_such_filter }}", "{% for x in params.regions %}{{ x }}"] {
            #expect(throws: TemplateError.self, "\(template)") {
                try TemplateRenderer.render(template, context: context)
            }
            #expect(throws: TemplateError.self, "\(template)") { try TemplateRenderer.check(template) }
        }
        #expect(throws: TemplateError.self) { try TemplateRenderer.render("{{ run_id|ds_add:1 }}", context: context) }
    }

    @Test func validationKnowsTheNamesButNotPerRunKeys() throws {
        try TemplateRenderer.check("{{ ds }} {{ params.anything }} {{ dag_run.conf.whatever }}")
        #expect(throws: TemplateError.self) { try TemplateRenderer.check("{{ logical_dat }}") }
    }

    @Test func dagFilesReportTemplateErrorsWithTheirLine() {
        do {
            _ = try DAGParser.parse(
                yaml: """
                    dag_id: d
                    tasks:
                      - task_id: a
                        bash: echo {{ dss }}
                      - task_id: b
                        command: [echo, "{% if %}"]
                      - task_id: c
                        env: {DAY: "{{ ds_nodahs }}"}
                        bash: echo
                    """, file: "d.yaml")
            Issue.record("expected template errors")
        } catch {
            #expect(error.issues.map(\.line) == [4, 6, 8])
            #expect(
                error.issues.first?.message
                    == "template error in bash of task 'a': unknown variable 'dss' (did you mean 'ds'?)")
            #expect(
                error.issues.last?.message.hasPrefix(
                    "template error in env 'DAY' in task 'c': unknown variable 'ds_nodahs'") == true)
        }
    }
}
