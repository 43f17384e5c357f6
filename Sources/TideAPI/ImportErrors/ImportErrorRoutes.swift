import Hummingbird
import TideCore
import TidePostgres
import TideService

/// `/api/v2/importErrors…`: DAG files that failed to load, with every problem found in them.
struct ImportErrorRoutes: Sendable {
    let environment: APIEnvironment

    /// What lists of import errors can be sorted by.
    enum Order: String, Sendable, Hashable { case id }

    func register(on api: RouterGroup<APIRequestContext>) {
        api.get("importErrors") { request, context in
            _ = try context.require(.viewer, to: "reading import errors")
            var reader = QueryReader(request)
            let (limit, offset) = reader.page(maxPageSize: environment.settings.maxPageSize)
            let order = try reader.order(
                Order.self, default: [SortKey(.id)],
                aliases: ["import_error_id": .id, "timestamp": .id, "filename": .id])
            try reader.check()
            let page = try await environment.service.dags.importErrors(
                limit: limit, offset: offset, descending: order.first?.descending ?? false)
            return JSONResponse.make(
                .object([
                    "import_errors": .array(page.items.map(AirflowJSON.importError)),
                    "total_entries": .number(Double(page.total)),
                ]), for: request)
        }
        api.get("importErrors/:import_error_id") { request, context in
            _ = try context.require(.viewer, to: "reading import errors")
            let text = try APIEnvironment.parameter(context, "import_error_id")
            guard let id = Int64(text) else {
                throw APIError(
                    validation: [
                        ValidationProblem(
                            location: ["path", "import_error_id"], message: "Input should be a valid integer",
                            type: "int_parsing", input: .string(text))
                    ])
            }
            do {
                return JSONResponse.make(
                    AirflowJSON.importError(try await environment.service.dags.importError(id: id)), for: request)
            } catch let error as PGError where error.code == .notFound {
                throw APIError.notFound("The ImportError with import_error_id: `\(id)` was not found")
            }
        }
    }
}
