import Hummingbird
import TideCore
import TidePostgres
import TideService

/// `/api/v2/pools…`: list, get, create, patch, delete. Changing pools is for admins.
struct PoolRoutes: Sendable {
    let environment: APIEnvironment
    var pools: PoolStore { environment.service.pools }

    func register(on api: RouterGroup<APIRequestContext>) {
        api.get("pools") { request, context in
            _ = try context.require(.viewer, to: "reading pools")
            var reader = QueryReader(request)
            let (limit, offset) = reader.page(maxPageSize: environment.settings.maxPageSize)
            let order = try reader.order(
                PoolOrder.self, default: [SortKey(.name)], aliases: ["pool": .name, "id": .name])
            let search = reader.string("pool_name_pattern")
            try reader.check()
            let page = try await pools.page(
                search: search, limit: limit, offset: offset, descending: order.first?.descending ?? false)
            return JSONResponse.make(
                .object([
                    "pools": .array(page.items.map(AirflowJSON.pool)), "total_entries": .number(Double(page.total)),
                ]),
                for: request)
        }
        api.get("pools/:pool_name") { request, context in
            _ = try context.require(.viewer, to: "reading pools")
            return JSONResponse.make(AirflowJSON.pool(try await pool(context)), for: request)
        }
        api.post("pools") { request, context in
            _ = try context.require(.admin, to: "creating pools")
            var body = try await BodyReader.read(
                request, maxBytes: environment.settings.maxBodyBytes,
                fields: ["name", "slots", "description", "include_deferred", "team_name"])
            body.require("name")
            body.require("slots")
            let slots = body.int("slots", in: -1...Int(Int32.max), nullable: false)
            let name = body.string("name", maxLength: 256, nullable: false)
            let description = body.string("description")
            try checkUnsupported(&body, nullable: false)
            try body.check()
            guard let name, let slots else { throw APIError(.badRequest, "name and slots are required") }
            try validate(name: name, slots: slots)
            do {
                try await pools.create(name, slots: slots, description: description)
            } catch let error as PGError where error.code == .conflict {
                throw APIError(.conflict, "Pool with name: '\(name)' already exists")
            }
            return JSONResponse.make(AirflowJSON.pool(try await pools.get(name)), status: .created, for: request)
        }
        api.patch("pools/:pool_name") { request, context in
            _ = try context.require(.admin, to: "changing pools")
            let current = try await pool(context)
            var body = try await BodyReader.read(
                request, maxBytes: environment.settings.maxBodyBytes,
                fields: ["pool", "name", "slots", "description", "include_deferred", "team_name"])
            let newName = body.string("pool") ?? body.string("name")
            let slots = body.int("slots", in: -1...Int(Int32.max))
            let description = body.string("description")
            try checkUnsupported(&body, nullable: true)
            try body.check()
            let mask = try QueryReader(request).updateMask(allowed: [
                "slots", "description", "pool", "name", "include_deferred",
            ])
            if let newName, newName != current.name {
                throw APIError(.badRequest, "Pools cannot be renamed (from '\(current.name)' to '\(newName)')")
            }
            let newSlots = mask.changes("slots", given: true) ? slots : nil
            if let newSlots { try validate(name: current.name, slots: newSlots) }
            let newDescription = mask.changes("description", given: true) ? description : nil
            try await pools.update(current.name, slots: newSlots, description: newDescription)
            return JSONResponse.make(AirflowJSON.pool(try await pools.get(current.name)), for: request)
        }
        api.delete("pools/:pool_name") { _, context in
            _ = try context.require(.admin, to: "deleting pools")
            let current = try await pool(context)
            guard current.name != "default_pool" else { throw APIError(.badRequest, "Default Pool can't be deleted") }
            try await pools.delete(current.name)
            return JSONResponse.noContent()
        }
    }

    /// What lists of pools can be sorted by.
    enum PoolOrder: String, Sendable, Hashable { case name }

    func pool(_ context: APIRequestContext) async throws -> PoolStore.PoolRecord {
        let name = try APIEnvironment.parameter(context, "pool_name")
        do {
            return try await pools.get(name)
        } catch let error as PGError where error.code == .notFound {
            throw APIError.notFound("The Pool with name: '\(name)' was not found")
        }
    }

    /// Values Airflow's models accept but Tide cannot store are refused as invalid input (422).
    func validate(name: String, slots: Int) throws {
        guard !name.isEmpty, name.count <= 256, !name.contains("/") else {
            throw Self.invalid("name", "expected 1 to 256 characters without '/'", .string(name))
        }
        guard slots >= 0 else {
            throw Self.invalid("slots", "expected 0 or more (Tide has no unlimited pools)", .number(Double(slots)))
        }
    }

    /// - Parameter nullable: whether the body's model lets `include_deferred` be null (PATCH) or not (POST).
    func checkUnsupported(_ body: inout BodyReader, nullable: Bool) throws {
        if body.bool("include_deferred", nullable: nullable) == true {
            throw Self.invalid("include_deferred", "Tide has no deferred tasks", .bool(true))
        }
        if let team = body.string("team_name") { throw Self.invalid("team_name", "Tide has no teams", .string(team)) }
    }

    static func invalid(_ field: String, _ message: String, _ input: JSONValue) -> APIError {
        APIError(
            validation: [
                ValidationProblem(location: ["body", field], message: message, type: "value_error", input: input)
            ])
    }
}
