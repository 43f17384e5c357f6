import Foundation
import Hummingbird
import TideCore
import TidePostgres
import TideService

/// The UI's pages. Each reads through the service layer, renders on the server (readable without
/// JavaScript), and names the event stream its script follows to update itself.
struct Pages: Sendable {
    let ui: WebUI
    var service: TideService { ui.service }

    func register<Context: UIRequestContext>(on router: Router<Context>) {
        router.get("/") { request, context in try await page(request, context) { try await home($0) } }
        router.get("dags") { request, context in try await page(request, context) { try await dags($0, request) } }
        router.get("dags/:dag_id") { request, context in
            try await page(request, context) { try await dag($0, request, try name(context, "dag_id"), tab: .grid) }
        }
        for tab in DagTab.allCases where tab != .grid {
            router.get(RouterPath("dags/:dag_id/" + tab.rawValue)) { request, context in
                try await page(request, context) { try await dag($0, request, try name(context, "dag_id"), tab: tab) }
            }
        }
        router.get("dags/:dag_id/runs/:run_id") { request, context in
            try await page(request, context) {
                try await run($0, request, dagId: try name(context, "dag_id"), runId: try name(context, "run_id"))
            }
        }
        // A task instance, or a mapped task's instance by its map index (as Airflow's UI: …/mapped/N).
        for mapped in [false, true] {
            let path = "dags/:dag_id/runs/:run_id/tasks/:task_id" + (mapped ? "/mapped/:map_index" : "")
            router.get(RouterPath(path)) { request, context in
                try await page(request, context) {
                    try await taskInstance(
                        $0, request, dagId: try name(context, "dag_id"), runId: try name(context, "run_id"),
                        taskId: try name(context, "task_id"), mapIndex: mapped ? try mapIndex(context) : nil)
                }
            }
            router.get(RouterPath(path + "/log.txt")) { request, context in
                guard context.uiViewer != nil else { throw HTTPError(.unauthorized) }
                return try await logDownload(
                    request, dagId: try name(context, "dag_id"), runId: try name(context, "run_id"),
                    taskId: try name(context, "task_id"), mapIndex: mapped ? try mapIndex(context) : nil)
            }
        }
        router.get("browse/runs") { request, context in
            try await page(request, context) { try await browseRuns($0, request) }
        }
        router.get("browse/tasks") { request, context in
            try await page(request, context) { try await browseTasks($0, request) }
        }
        router.get("cluster") { request, context in try await page(request, context) { try await cluster($0) } }
        router.get("admin/pools") { request, context in try await page(request, context) { try await pools($0) } }
    }

    /// A page for a signed-in viewer (others go to the login page and come back), with missing
    /// DAGs, runs and tasks shown as a 404 page.
    func page<Context: UIRequestContext>(
        _ request: Request, _ context: Context, _ build: (UIViewer) async throws -> Response
    ) async throws -> Response {
        guard let viewer = context.uiViewer else {
            let target = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            return PageResponse.redirect(to: "/login" + HTML.query([("next", target)]))
        }
        do {
            return try await build(viewer)
        } catch let error as ServiceError where error.code == .notFound {
            return notFound(viewer, error.message)
        } catch let error as PGError where error.code == .notFound {
            return notFound(viewer, error.message)
        } catch let error as PageInputError {
            return PageResponse.html(
                "error", ["heading": "Bad request", "message": error.message], title: "Bad request", section: .home,
                viewer: viewer, signIn: ui.signIn, status: .badRequest)
        }
    }

    func notFound(_ viewer: UIViewer, _ message: String) -> Response {
        PageResponse.html(
            "error", ["heading": "Not found", "message": message], title: "Not found", section: .home, viewer: viewer,
            signIn: ui.signIn, status: .notFound)
    }

    func name<Context: UIRequestContext>(_ context: Context, _ parameter: String) throws -> String {
        guard let raw = context.parameters.get(parameter), let value = raw.removingPercentEncoding else {
            throw PageInputError(message: "missing \(parameter)")
        }
        return value
    }

    /// The `map_index` path parameter: a mapped instance's index.
    func mapIndex<Context: UIRequestContext>(_ context: Context) throws -> Int {
        let text = try name(context, "map_index")
        guard let index = Int(text), index >= 0, index <= Int(Int32.max) else {
            throw PageInputError(message: "map index: expected a whole number from 0, got '\(text)'")
        }
        return index
    }

    func html(
        _ template: String, _ model: [String: Any], title: String, section: PageResponse.Section, viewer: UIViewer,
        events: String?
    ) -> Response {
        PageResponse.html(
            template, model, title: title, section: section, viewer: viewer, signIn: ui.signIn, events: events)
    }
}

/// A query parameter a page cannot use, shown as a 400 page naming it.
struct PageInputError: Error {
    var message: String
}

/// Query parameters of a page, read with clear errors.
struct PageQuery {
    let request: Request

    init(_ request: Request) { self.request = request }

    func string(_ name: String) -> String? {
        guard let value = request.uri.queryParameters[Substring(name)].map(String.init), !value.isEmpty else {
            return nil
        }
        return value
    }

    func all(_ name: String) -> [String] {
        request.uri.queryParameters.getAll(name).compactMap {
            $0.isEmpty ? nil : String($0)
        }
    }

    func int(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = string(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw PageInputError(
                message:
                    "\(name): expected a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return value
    }
}
