import Foundation
import Hummingbird
import HummingbirdAuth
import Logging
import ServiceLifecycle
import TideCore
import TideMetrics
import TideOps
import TidePostgres
import TideRedis
import TideService
import TideUI

/// The HTTP server of `tide api` (and `tide standalone`): `/metrics`, `/api/v1/scaling`, `/healthz`
/// (``OpsRoutes``, which a scheduler's `--metrics-port` serves alone with `OpsServer`), the
/// Airflow-compatible REST API at `/api/v2`, `POST /auth/token`, the OpenAPI document and the web UI.
public final class APIServer: Service, Sendable {
    public struct Options: Sendable {
        public var host: String
        public var port: Int

        public init(host: String = "127.0.0.1", port: Int = 8080) {
            self.host = host
            self.port = port
        }
    }

    /// What the REST API needs beyond the operational routes.
    public struct REST: Sendable {
        public var service: TideService
        /// The installation's configuration: `api.*`, the default time zone, worker timeout, node pools.
        public var configuration: TideConfiguration
        /// false only with `--no-auth`: every request then acts as an admin.
        public var authEnabled: Bool

        public init(service: TideService, configuration: TideConfiguration, authEnabled: Bool) {
            self.service = service
            self.configuration = configuration
            self.authEnabled = authEnabled
        }

        var settings: APISettings { configuration.api }
    }

    let options: Options
    let metrics: TideMetrics
    let reports: ReportReader
    let rest: REST
    let logger: Logger
    private let boundPort = LockedBox<Int?>(nil)

    public init(
        options: Options, metrics: TideMetrics, redis: RedisEndpoint, keys: RedisKeys, rest: REST,
        logger: Logger
    ) {
        self.options = options
        self.metrics = metrics
        self.rest = rest
        self.logger = logger
        reports = ReportReader(endpoint: redis, keys: keys)
    }

    /// The port it listens on, once it does (useful with port 0).
    public var port: Int? { boundPort.value }

    public func run() async throws {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: ErrorMiddleware(methods: MethodCheck(document: OpenAPIDocument.bytes)))
        OpsRoutes(metrics: metrics, reports: reports).register(on: router)
        let hub = EventHub(store: StateEventStore(pool: rest.service.database))
        let ui = try await registerREST(rest, hub: hub, on: router)
        let logger = logger
        let host = options.host
        let boundPort = boundPort
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(options.host, port: options.port)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                boundPort.mutate { $0 = port }
                logger.info("api listening", metadata: ["url": "http://\(host):\(port)"])
            }, logger: logger)
        defer {
            reports.close()
            rest.service.close()
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await hub.run(pollSeconds: EventRoutes.checkSeconds) }
            group.addTask { await ui.run() }
            group.addTask { try await app.run() }
            // The server ends on shutdown; the feed reader ends with it.
            try await group.next()
            group.cancelAll()
        }
    }

    /// - Returns: the web UI, served at `/` next to the REST API.
    private func registerREST(_ rest: REST, hub: EventHub, on router: Router<APIRequestContext>) async throws -> WebUI {
        var users = rest.settings.users
        if let file = rest.settings.usersFile { users += try APIUser.loadFile(file) }
        let secret: String
        if let configured = rest.settings.secretKey {
            secret = configured
        } else {
            secret = APITokenSecret.generate()
            if rest.authEnabled {
                logger.notice("api.secret_key is not set: access tokens are valid only in this process")
            }
        }
        if !rest.authEnabled {
            logger.warning("authentication is off (--no-auth): every request acts as an admin")
        } else if users.isEmpty {
            logger.notice("no API users are configured (api.users, api.users_file): only API tokens can sign in")
        }
        let accessTokens = await AccessTokens(secret: secret, lifetimeSeconds: rest.settings.tokenLifetimeSeconds)
        router.add(
            middleware: Authenticator(
                enabled: rest.authEnabled, accessTokens: accessTokens, apiTokens: rest.service.tokens))
        let directory = UserDirectory(users)
        TokenRoutes(
            users: directory, accessTokens: accessTokens, maxBodyBytes: rest.settings.maxBodyBytes,
            authEnabled: rest.authEnabled
        ).register(on: router)
        OpenAPIRoutes().register(on: router)
        let environment = APIEnvironment(
            service: rest.service, settings: rest.settings, defaultTimeZone: rest.configuration.defaultTimeZone,
            defaultWeightRule: rest.configuration.scheduler.defaultWeightRule,
            xcomMaxBytes: rest.configuration.worker.xcomMaxBytes)
        let api = router.group("api/v2")
        DagRoutes(environment: environment).register(on: api)
        DagRunRoutes(environment: environment).register(on: api)
        TaskInstanceRoutes(environment: environment).register(on: api)
        LogRoutes(environment: environment).register(on: api)
        XComRoutes(environment: environment).register(on: api)
        PoolRoutes(environment: environment).register(on: api)
        ImportErrorRoutes(environment: environment).register(on: api)
        MonitorRoutes(environment: environment, reports: reports, version: TideVersion.current).register(on: api)
        TimelineRoutes(environment: environment).register(on: api)
        AssetEventRoutes(environment: environment).register(on: api)
        WhyRoutes(environment: environment).register(on: api)
        ClusterRoutes(
            environment: environment, reports: reports,
            workerTimeoutSeconds: rest.configuration.scheduler.workerTimeoutSeconds,
            nodePools: rest.configuration.nodePools
        ).register(on: api)
        EventRoutes(environment: environment, hub: hub).register(on: api)
        LogTailRoutes(environment: environment).register(on: api)
        let signIn = UISignIn(
            enabled: rest.authEnabled, sessionSeconds: rest.settings.tokenLifetimeSeconds,
            signIn: { username, password in
                guard let user = await directory.authenticate(username: username, password: password) else {
                    return nil
                }
                return try? await accessTokens.issue(username: user.username, role: user.role)
            },
            csrfToken: { accessTokens.csrfToken(for: $0) })
        let ui = WebUI(service: rest.service, reports: reports, configuration: rest.configuration, signIn: signIn)
        ui.register(on: router)
        return ui
    }
}
