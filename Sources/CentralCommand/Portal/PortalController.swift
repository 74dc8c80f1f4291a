import Compliance
import HTTPTypes
import Hummingbird
import Views
import VigilAPI

/// The client portal (issue 6): login by e-mail link, the practice's status in plain English,
/// and its evidence with the signature checked again. Separate cookie (`vigil_portal`, path
/// `/portal`) and sessions from the operators'.
struct PortalController: APIController {
    let services: CentralServices
    let queries: WebQueries

    var portal: PortalService { PortalService(services: services) }

    /// The login routes, which need no session.
    func registerPublic(on router: Router<AppRequestContext>) {
        router.get("/portal/login") { _, _ in WebSession.page(PortalLoginPage().render()) }
        router.post("/portal/login") { request, context in
            do {
                return try await requestLink(request, context: context)
            } catch let error as HTTPError {
                return WebSession.errorPage(error)
            }
        }
        router.get("/portal/login/:token") { _, context in
            guard let token = context.parameters.get("token"), SessionTokens.isWellFormed(token) else {
                return Self.expired(status: .notFound)
            }
            return WebSession.page(PortalRedeemPage(token: token).render())
        }
        router.post("/portal/login/:token") { request, context in
            do {
                return try await redeem(request, context: context)
            } catch let error as HTTPError {
                return WebSession.errorPage(error)
            }
        }
    }

    /// The pages behind `PortalGate`, under `/portal`.
    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("") { _, context in
            let (contact, client) = try await practice(context)
            return WebSession.page(
                try await queries.portalStatus(client, layout: try await layout(context, contact, client)).render())
        }
        group.get("evidence/:bundle") { _, context in
            let (contact, client) = try await practice(context)
            let stored = try await queries.portalBundle(try bundleID(context), client: client)
            let page = try await queries.bundlePage(stored, layout: try await layout(context, contact, client))
            return WebSession.page(page.render())
        }
        group.get("evidence/:bundle/download") { _, context in
            let (_, client) = try await practice(context)
            let stored = try await queries.portalBundle(try bundleID(context), client: client)
            return WebController.download(stored)
        }
        group.get("brand.css") { _, context in
            try await queries.brandAsset(try await practice(context).client.partnerID, logo: false)
        }
        group.get("brand/logo.png") { _, context in
            try await queries.brandAsset(try await practice(context).client.partnerID, logo: true)
        }
        group.post("logout") { _, context in
            if let token = context.sessionToken { await portal.logout(token: token) }
            return WebSession.redirect("/portal/login", cookie: cookie("", maxAge: 0))
        }
    }

    /// The signed-in contact and their practice.
    func practice(_ context: AppRequestContext) async throws -> (contact: PortalContact, client: Client) {
        guard let contact = context.portalContact,
            let client = try await store({ try await services.tenancy.client(contact.clientID) })
        else { throw HTTPError(.unauthorized, message: "Ask for a new login link.") }
        return (contact, client)
    }

    func layout(_ context: AppRequestContext, _ contact: PortalContact, _ client: Client) async throws -> Layout {
        Layout(
            user: contact.name, tenant: client.name, csrfToken: SessionTokens.csrf(for: context.sessionToken ?? ""),
            section: nil, sections: [], root: "/portal", brand: try await queries.brand(of: client.partnerID))
    }

    func bundleID(_ context: AppRequestContext) throws -> Identifier<EvidenceBundle> {
        try parameter("bundle", context) { try Identifier<EvidenceBundle>($0) }
    }

    private func requestLink(_ request: Request, context: AppRequestContext) async throws -> Response {
        try OperatorAuthenticator.checkSameOrigin(request)
        let form = try await WebForm.read(request, context: context)
        let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
        let address = context.remoteAddress ?? "unknown"
        let throttle = services.portalThrottle
        if let wait = throttle.retryAfter(address, at: services.clock()) {
            return WebSession.page(
                PortalLoginPage(email: email, problem: "Too many requests from this address. Try again in \(wait) s.")
                    .render(), status: .tooManyRequests)
        }
        throttle.recordFailure(address, at: services.clock())
        do throws(AccountError) {
            try await portal.requestLink(email: email)
        } catch .invalid(let why) {
            return WebSession.page(PortalLoginPage(email: email, problem: why).render(), status: .badRequest)
        } catch {
            throw error.httpError
        }
        services.metrics.increment("vigil_portal_link_requests_total", [])
        return WebSession.page(PortalLoginPage(email: email, sent: true).render())
    }

    private func redeem(_ request: Request, context: AppRequestContext) async throws -> Response {
        try OperatorAuthenticator.checkSameOrigin(request)
        let address = context.remoteAddress ?? "unknown"
        let throttle = services.portalThrottle
        if throttle.retryAfter(address, at: services.clock()) != nil {
            return Self.expired(status: .tooManyRequests)
        }
        let token = context.parameters.get("token") ?? ""
        do throws(AccountError) {
            let session = try await portal.redeem(token: token)
            services.metrics.increment("vigil_portal_logins_total", [("result", "success")])
            return WebSession.redirect(
                "/portal", cookie: cookie(session.token, maxAge: services.portalPolicy.sessionSeconds))
        } catch .unauthenticated {
            throttle.recordFailure(address, at: services.clock())
            services.metrics.increment("vigil_portal_logins_total", [("result", "failed")])
            return Self.expired(status: .unauthorized)
        } catch {
            throw error.httpError
        }
    }

    static func expired(status: HTTPResponse.Status) -> Response {
        WebSession.page(
            PortalLoginPage(problem: "That login link has expired or was used already. Ask for a new one here.")
                .render(), status: status)
    }

    func cookie(_ token: String, maxAge: Int64) -> String {
        AccountController.sessionCookie(
            PortalService.cookieName, path: "/portal", token: token, maxAge: maxAge, services: services)
    }
}
