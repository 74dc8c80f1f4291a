import Compliance
import EvidenceCrypto
import Foundation
import HTTPTypes
public import Hummingbird
public import Logging
import ServiceLifecycle
import VigilAPI

/// The routes Central Command serves. `docs`/OpenAPI must list each (a test checks it).
public enum CentralRoutes {
    public static let all: [(method: String, path: String)] = [
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/metrics"),
        ("POST", "/api/v1/appliance/enrol"),
        ("POST", "/api/v1/appliance/evidence"),
        ("GET", "/api/v1/partners"),
        ("POST", "/api/v1/partners"),
        ("GET", "/api/v1/partners/{partner}/clients"),
        ("POST", "/api/v1/partners/{partner}/clients"),
        ("POST", "/api/v1/partners/{partner}/api-keys"),
        ("GET", "/api/v1/partners/{partner}/api-keys"),
        ("DELETE", "/api/v1/api-keys/{key}"),
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/logout"),
        ("GET", "/api/v1/auth/session"),
        ("POST", "/api/v1/auth/password"),
        ("POST", "/api/v1/auth/totp"),
        ("POST", "/api/v1/auth/totp/confirm"),
        ("GET", "/api/v1/users"),
        ("POST", "/api/v1/users"),
        ("DELETE", "/api/v1/users/{user}"),
        ("POST", "/api/v1/appliance/check-in"),
        ("POST", "/api/v1/appliance/checkpoints"),
        ("POST", "/api/v1/appliance/key"),
        ("POST", "/api/v1/appliance/incidents"),
        ("GET", "/api/v1/sites/{site}/incidents"),
        ("GET", "/api/v1/incidents/{incident}"),
        ("POST", "/api/v1/incidents/{incident}/acknowledge"),
        ("POST", "/api/v1/incidents/{incident}/resolve"),
        ("POST", "/api/v1/incidents/{incident}/approve"),
        ("POST", "/api/v1/appliance/resolutions"),
        ("GET", "/api/v1/appliance/rules"),
        ("GET", "/api/v1/learning"),
        ("POST", "/api/v1/learning/rules/{rule}/approve"),
        ("POST", "/api/v1/learning/rules/{rule}/reject"),
        ("POST", "/api/v1/appliance/orders/{order}/status"),
        ("POST", "/api/v1/sites/{site}/orders"),
        ("GET", "/api/v1/sites/{site}/orders"),
        ("GET", "/api/v1/sites/{site}/hosts"),
        ("POST", "/api/v1/sites/{site}/hosts"),
        ("PUT", "/api/v1/hosts/{host}/credential"),
        ("GET", "/api/v1/hosts/{host}/credential"),
        ("DELETE", "/api/v1/hosts/{host}/credential"),
        ("GET", "/api/v1/sites/{site}/settings"),
        ("PUT", "/api/v1/sites/{site}/settings"),
        ("GET", "/api/v1/frameworks"),
        ("GET", "/api/v1/audit-log"),
        ("GET", "/api/v1/sites/{site}/state"),
        ("GET", "/api/v1/sites/{site}/scores"),
        ("GET", "/api/v1/sites/{site}/scores/{framework}"),
        ("GET", "/api/v1/clients/{client}/sites"),
        ("POST", "/api/v1/clients/{client}/sites"),
        ("POST", "/api/v1/sites/{site}/claim-codes"),
        ("GET", "/api/v1/sites/{site}/appliances"),
        ("GET", "/api/v1/sites/{site}/evidence"),
        ("GET", "/api/v1/sites/{site}/appliances/{appliance}/evidence"),
        ("GET", "/api/v1/sites/{site}/appliances/{appliance}/checkpoint"),
    ]
}

/// The one composition root of the HTTP server, used by `vigil central` and by tests alike.
public func buildRouter(services: CentralServices) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestLogMiddleware(metrics: services.metrics))
    router.add(middleware: ErrorBodyMiddleware())
    router.get("/healthz") { _, _ in
        try JSONResponse.make(["status": "ok"])
    }
    router.get("/readyz") { _, _ in
        let (ready, database) = await services.readiness()
        return try JSONResponse.make(
            ReadinessReport(ready: ready, database: database, version: CentralVersion.current),
            status: ready ? .ok : .serviceUnavailable)
    }
    router.get("/api/v1/openapi.json") { _, _ in
        guard let document = OpenAPIDocument.bytes else {
            throw HTTPError(.internalServerError, message: "the OpenAPI document is missing from this build")
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: document)))
    }
    let accounts = services.accountService
    let operatorAuthentication = OperatorAuthenticator(
        keys: services.apiKeys, accounts: accounts, clock: services.clock)
    let metricsResponse: @Sendable () -> Response = {
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: .init(byteBuffer: ByteBuffer(string: services.metrics.render())))
    }
    if services.metricsPublic {
        router.get("/metrics") { _, _ in metricsResponse() }
    } else {
        router.group("/metrics").add(middleware: operatorAuthentication).get { _, context in
            guard context.principal == .platform else {
                throw HTTPError(.forbidden, message: "metrics are for the platform operator")
            }
            return metricsResponse()
        }
    }
    let enrolment = EnrolmentService(store: services.enrolment, identity: services.identity, clock: services.clock)
    // Enrolment is the one appliance route without a request signature: the appliance is not
    // known yet. The claim code and a proof of key possession stand in for it.
    router.post("/api/v1/appliance/enrol") { request, context in
        let body = try await JSONRequest.decode(EnrolmentRequest.self, from: request, context: context)
        let response: EnrolmentResponse
        do throws(EnrolmentError) {
            response = try await enrolment.enrol(body)
        } catch {
            throw error.httpError
        }
        return try JSONResponse.make(response, status: .created)
    }
    let ingestor = EvidenceIngestor(
        tenancy: services.tenancy, evidence: services.evidence, events: services.events, identity: services.identity,
        clock: services.clock)
    let tenancy = TenancyController(services: services, enrolment: enrolment)
    let fleet = FleetController(
        services: services,
        fleet: FleetService(
            store: services.fleet, identity: services.identity, secrets: services.secrets,
            clock: services.clock),
        tenancy: tenancy)
    let authenticator = ApplianceAuthenticator(
        tenancy: services.tenancy, nonces: services.nonces, cacheSeconds: services.cacheSeconds, clock: services.clock)
    let appliance = router.group("/api/v1/appliance").add(middleware: authenticator)
    fleet.registerAppliance(on: appliance)
    let incidents = IncidentController(
        services: services, fleet: fleet.fleet, tenancy: tenancy, catalogue: services.runbooks)
    incidents.registerAppliance(on: appliance)
    let learning = LearningController(services: services)
    learning.registerAppliance(on: appliance)
    let rotations = KeyRotationService(tenancy: services.tenancy, events: services.events, clock: services.clock)
    appliance.post("key") { request, context in
        guard let enrolled = context.appliance else { throw HTTPError(.unauthorized) }
        let body = try await JSONRequest.decode(KeyRotationRequest.self, from: request, context: context)
        let record: KeyRotationRecord
        do throws(KeyRotationError) {
            record = try await rotations.rotate(body, for: enrolled)
        } catch {
            throw error.httpError
        }
        await authenticator.forget(enrolled.id)
        return try JSONResponse.make(record)
    }
    let witness = CheckpointWitness(
        tenancy: services.tenancy, checkpoints: services.checkpoints, events: services.events,
        identity: services.identity, clock: services.clock)
    appliance.post("checkpoints") { request, context in
        guard let enrolled = context.appliance else { throw HTTPError(.unauthorized) }
        let body = try await JSONRequest.decode(CheckpointSubmission.self, from: request, context: context)
        let cosigned: CosignedCheckpoint
        do throws(CheckpointError) {
            cosigned = try await witness.submit(body, from: enrolled)
        } catch {
            throw error.httpError
        }
        return try JSONResponse.make(cosigned)
    }
    appliance
        .post("evidence") { request, context in
            guard let applianceID = context.applianceID else { throw HTTPError(.unauthorized) }
            let upload = try await JSONRequest.decode(EvidenceUpload.self, from: request, context: context)
            let result: EvidenceUploadResult
            do throws(IngestError) {
                result = try await ingestor.ingest(upload, from: applianceID)
            } catch {
                throw error.httpError
            }
            services.metrics.increment(
                "vigil_evidence_bundles_accepted_total", by: UInt64(max(0, result.receipts.count)))
            if !result.receipts.isEmpty { services.changes.bump() }
            for rejection in result.rejected {
                services.metrics.increment(
                    "vigil_evidence_bundles_rejected_total", [("reason", rejection.reason.rawValue)])
            }
            return try JSONResponse.make(result)
        }
    AccountController(services: services, accounts: accounts).registerLogin(on: router)
    let api = router.group("/api/v1").add(middleware: operatorAuthentication)
    AccountController(services: services, accounts: accounts).register(on: api)
    tenancy.register(on: api)
    fleet.register(on: api)
    incidents.register(on: api)
    learning.register(on: api)
    let evidenceQueries = EvidenceQueries(tenancy: services.tenancy, evidence: services.evidence)
    EvidenceController(services: services, tenancy: tenancy, queries: evidenceQueries).register(on: api)
    // The web pages: the same accounts, tenancy and incident actions as the API.
    let web = WebController(
        services: services, accounts: accounts, tenancy: tenancy, incidents: incidents, fleet: fleet,
        learning: learning, queries: WebQueries(services: services, evidence: evidenceQueries))
    web.registerPublic(on: router)
    web.register(on: router.group().add(middleware: WebSession(accounts: accounts)))
    // The client portal: its own cookie, sessions and guard.
    let portal = PortalController(services: services, queries: web.queries)
    portal.registerPublic(on: router)
    portal.register(on: router.group("/portal").add(middleware: PortalGate(portal: portal.portal)))
    return router
}

/// Builds the application listening on `host:port`.
public func buildApplication(services: CentralServices, host: String, port: Int, logger: Logger)
    -> some ApplicationProtocol
{
    Application(
        router: buildRouter(services: services),
        configuration: .init(address: .hostname(host, port: port), serverName: "vigil-central"),
        logger: logger)
}

/// The version Central Command reports.
public enum CentralVersion {
    public static let current = "0.1.0"
}

extension IngestError {
    var httpError: HTTPError {
        switch self {
        case .unknownAppliance: HTTPError(.forbidden, message: description)
        case .tooManyBundles: HTTPError(.contentTooLarge, message: description)
        case .storage(.unavailable): HTTPError(.serviceUnavailable, message: "storage unavailable; retry later")
        case .storage(.conflict(let what)): HTTPError(.conflict, message: "\(what); retry the upload")
        case .storage(let other): HTTPError(.unprocessableContent, message: other.description)
        }
    }
}

extension CheckpointError {
    var httpError: HTTPError {
        switch self {
        case .malformed(let why): HTTPError(.badRequest, message: why)
        case .badSignature(let why): HTTPError(.unprocessableContent, message: why)
        case .ahead(let why): HTTPError(.conflict, message: why)
        case .inconsistent(let why): HTTPError(.unprocessableContent, message: why)
        case .storage(let error): error.httpError
        }
    }
}

extension KeyRotationError {
    var httpError: HTTPError {
        switch self {
        case .malformed(let why): HTTPError(.badRequest, message: why)
        case .badSignature(let why): HTTPError(.unprocessableContent, message: why)
        case .conflict(let why): HTTPError(.conflict, message: why)
        case .storage(let error): error.httpError
        }
    }
}

extension EnrolmentError {
    var httpError: HTTPError {
        switch self {
        case .malformed(let why): HTTPError(.badRequest, message: why)
        case .badProof(let why): HTTPError(.unauthorized, message: why)
        case .refused(.notFound): HTTPError(.forbidden, message: "claim code is not valid")
        case .refused(.invalid(let why)): HTTPError(.forbidden, message: why)
        case .refused(.conflict(let why)): HTTPError(.conflict, message: why)
        case .refused(.unavailable): HTTPError(.serviceUnavailable, message: "storage unavailable; retry later")
        }
    }
}

/// JSON responses with one encoder configuration. Keys are not sorted: clients decode by name,
/// and sorting costs measurable time on the check-in path.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        make(bytes: try encoder().encode(value), status: status)
    }

    /// A JSON response with `bytes` as its body.
    static func make(bytes: some Sequence<UInt8>, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }
}

/// Strict JSON request bodies: the right content type, strict parsing (no duplicate keys), and a
/// 400 that says what is wrong.
enum JSONRequest {
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, context: AppRequestContext) async throws
        -> T
    {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.lowercased().hasPrefix("application/json") else {
            throw HTTPError(.unsupportedMediaType, message: "send Content-Type: application/json")
        }
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let bytes = Array(buffer.readableBytesView)
        do {
            _ = try JSONParser(maximumDepth: 64, maximumSize: context.maxUploadSize).parse(bytes)
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw HTTPError(.badRequest, message: "request body: \(DecodingErrorText.describe(error))")
        } catch {
            throw HTTPError(.badRequest, message: "request body is not valid JSON: \(error)")
        }
    }
}

/// Runs Central Command until SIGTERM or SIGINT, then shuts down gracefully.
public func serve(services: CentralServices, host: String, port: Int, logger: Logger) async throws {
    try await buildApplication(services: services, host: host, port: port, logger: logger).runService()
}

/// A server started beside other work in one process (`vigil demo`): it stops gracefully when
/// asked, finishing requests in flight, rather than by cancellation.
public struct RunningServer: Sendable {
    let group: ServiceGroup
    let task: Task<Void, any Error>

    /// Starts serving in the background; the caller must `stop()` it.
    public init(services: CentralServices, host: String, port: Int, logger: Logger) {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: buildApplication(services: services, host: host, port: port, logger: logger))
                ],
                logger: logger))
        self.group = group
        self.task = Task { try await group.run() }
    }

    /// Asks the server to stop and waits until it has.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }
}
