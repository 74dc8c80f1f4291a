import Compliance
import Foundation
import HTTPTypes
import Healing
import Hummingbird
import ServiceLifecycle
import Views
import VigilAPI

/// The operator's web pages (issue 6): login and logout, the fleet overview, a site, incidents
/// with their actions, and the two static files the pages use. Same accounts, sessions and
/// tenancy as the API; the incident actions are the API's own (`IncidentController`), so a page
/// and an API call can never disagree about what an approval does.
struct WebController: APIController {
    let services: CentralServices
    let accounts: AccountService
    let tenancy: TenancyController
    let incidents: IncidentController
    let fleet: FleetController
    let learning: LearningController
    let queries: WebQueries

    /// The routes that need no session: the login form and the files it uses.
    func registerPublic(on router: Router<AppRequestContext>) {
        router.get("/static/vigil.css") { _, _ in Self.asset(Assets.stylesheet, type: "text/css; charset=utf-8") }
        router.get("/static/live.js") { _, _ in Self.asset(Assets.liveScript, type: "text/javascript; charset=utf-8") }
        router.get("/login") { request, _ in
            let next = LocalPath.checked(request.uri.queryParameters.get("next"))
            return WebSession.page(LoginPage(next: next).render())
        }
        router.post("/login") { request, context in
            do {
                return try await login(request, context: context)
            } catch let error as HTTPError {
                return WebSession.errorPage(error)
            }
        }
    }

    /// The pages behind `WebSession`.
    func register(on web: RouterGroup<AppRequestContext>) {
        registerAdministration(on: web)
        web.post("logout") { request, context in
            if let token = context.sessionToken {
                do throws(AccountError) {
                    try await accounts.logout(token: token)
                } catch {
                    throw error.httpError
                }
            }
            return WebSession.redirect("/login", cookie: sessionCookie("", maxAge: 0))
        }
        web.get("") { _, context in
            WebSession.page(
                try await queries.fleet(try Self.principal(context), layout: layout(context, .fleet)).render())
        }
        web.get("events") { request, _ in
            events(since: request.uri.queryParameters.get("since").flatMap { UInt64($0) })
        }
        web.get("sites/:site") { request, context in
            let site = try await tenancy.visibleSite(context)
            let notice = request.uri.queryParameters.get("done").flatMap { Self.notices[$0] }
            return WebSession.page(try await queries.site(site, layout: layout(context, nil), notice: notice).render())
        }
        web.post("sites/:site/settings") { _, context in
            let site = try await tenancy.visibleSite(context)
            let form = context.form ?? WebForm(fields: [:])
            let current = try await store { try await services.fleet.settings(of: site.id) }
            let enabled = form.fields.keys.filter { $0.hasPrefix("enable:") }.map { String($0.dropFirst(7)) }.sorted()
            let days = MaintenanceWindow.dayNames.filter { form["day:\($0)"] != nil }
            var window: MaintenanceWindow?
            if !days.isEmpty {
                window = MaintenanceWindow(
                    days: days, start: form["window_start"] ?? "", end: form["window_end"] ?? "",
                    timeZone: (form["window_time_zone"] ?? "").trimmingCharacters(in: .whitespaces))
            }
            let body = SiteSettingsBody(
                ruleSetVersion: current.ruleSetVersion, enabledRunbooks: enabled, maintenanceWindow: window)
            _ = try await fleet.saveSettings(body, context: context)
            return WebSession.redirect("/sites/\(site.id)?done=settings")
        }
        web.get("hosts/:host") { request, context in
            let host = try await fleet.visibleHost(context)
            let notice = request.uri.queryParameters.get("done").flatMap { Self.notices[$0] }
            return WebSession.page(try await queries.host(host, layout: layout(context, nil), notice: notice).render())
        }
        web.post("hosts/:host/credential") { _, context in
            let host = try await fleet.visibleHost(context)
            let form = context.form ?? WebForm(fields: [:])
            let body = TargetCredential(
                kind: form["kind"] ?? "", username: form["username"] ?? "", secret: form["secret"] ?? "")
            _ = try await fleet.setCredential(body, context: context)
            return WebSession.redirect("/hosts/\(host.id)?done=credential")
        }
        web.get("evidence/:bundle") { _, context in
            let page = try await queries.bundle(
                try bundleID(context), principal: try Self.principal(context), layout: layout(context, nil))
            return WebSession.page(page.render())
        }
        web.get("evidence/:bundle/download") { _, context in
            // The bytes only: no page, no signature check, no site or host lookups.
            Self.download(
                try await queries.visibleBundle(try bundleID(context), principal: try Self.principal(context)))
        }
        web.get("brand.css") { _, context in
            try await queries.brandAsset(try Self.partner(of: context), logo: false)
        }
        web.get("brand/logo.png") { _, context in
            try await queries.brandAsset(try Self.partner(of: context), logo: true)
        }
        web.get("learning") { request, context in
            let notice = request.uri.queryParameters.get("done").flatMap { Self.notices[$0] }
            let page = LearningPage(
                layout: try await layout(context, .learning), overview: try await learning.overview(context),
                notice: notice)
            return WebSession.page(page.render())
        }
        for (verb, approve) in [("approve", true), ("reject", false)] {
            web.post("learning/rules/:rule/\(verb)") { _, context in
                _ = try await learning.decide(approve: approve, context: context)
                return WebSession.redirect("/learning?done=rule-\(verb)")
            }
        }
        web.get("runbooks") { _, context in
            let runbooks = services.runbooks.runbooks.map { runbook in
                RunbooksPage.Runbook(
                    id: runbook.id, title: runbook.title, platform: runbook.platform.rawValue,
                    heals: runbook.heals.map(\.rawValue), disruptive: runbook.disruptive,
                    needsWindow: runbook.needsWindow, sensitive: runbook.sensitive,
                    timeoutSeconds: runbook.timeoutSeconds,
                    parameters: runbook.parameters.map {
                        RunbooksPage.Parameter(
                            name: $0.name, kind: Self.describe($0.kind), defaultValue: $0.defaultValue,
                            description: $0.description)
                    },
                    controls: runbook.controls.map { "\($0.framework.displayName) \($0.control)" })
            }
            return WebSession.page(
                RunbooksPage(layout: try await layout(context, .runbooks), runbooks: runbooks).render())
        }
        web.get("audit") { request, context in
            let entries = try await tenancy.auditEntries(request, context: context)
            let limit = try Self.limit(request.uri.queryParameters["limit"], in: 1...10_000, default: 100)
            let page = AuditPage(
                layout: try await layout(context, .audit),
                entries: entries.map {
                    AuditPage.Entry(
                        id: $0.id, at: $0.entry.at, actor: $0.entry.actor, action: $0.entry.action,
                        target: $0.entry.target, detail: $0.entry.detail)
                },
                older: entries.count == limit ? entries.last?.id : nil)
            return WebSession.page(page.render())
        }
        web.get("incidents") { request, context in
            let query = request.uri.queryParameters
            var site: Site.ID?
            if let text = query.get("site"), !text.isEmpty {
                guard let id = try? Site.ID(text) else { throw HTTPError(.notFound, message: "site \(text) not found") }
                site = id
            }
            var status: Incident.Status?
            if let text = query.get("status"), !text.isEmpty {
                guard let parsed = Incident.Status(rawValue: text) else {
                    throw HTTPError(.badRequest, message: "state must be open, acknowledged or resolved")
                }
                status = parsed
            }
            let notice = query.get("done").flatMap { Self.notices[$0] }
            let page = try await queries.incidents(
                try Self.principal(context), layout: layout(context, .incidents), site: site, status: status,
                notice: notice)
            return WebSession.page(page.render())
        }
        web.post("incidents/:incident/acknowledge") { _, context in
            _ = try await incidents.acknowledge(context)
            return back(context, done: "acknowledged")
        }
        web.post("incidents/:incident/approve") { _, context in
            _ = try await incidents.approve(context)
            return back(context, done: "approved")
        }
        web.post("incidents/:incident/resolve") { _, context in
            let note = (context.form?["note"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard !note.isEmpty else {
                throw HTTPError(.badRequest, message: "Write a note saying how it was resolved.")
            }
            guard note.count <= 2000 else {
                throw HTTPError(.badRequest, message: "The note is longer than 2,000 characters.")
            }
            _ = try await incidents.resolve(context, note: note)
            return back(context, done: "resolved")
        }
    }

    /// The signed bytes of a bundle as a download, with their SHA-256 in a header.
    static func download(_ stored: StoredBundle) -> Response {
        var headers: HTTPFields = [
            .contentType: "application/json",
            .contentDisposition: "attachment; filename=\"\(stored.bundleID.rawValue).json\"",
        ]
        headers[HTTPField.Name("X-Vigil-SHA256").unsafelyUnwrapped] = stored.hash.hex
        for field in WebSession.securityHeaders { headers.append(field) }
        return Response(
            status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: stored.canonicalBytes)))
    }

    /// The caller's partner, nil for the platform.
    static func partner(of context: AppRequestContext) throws -> Partner.ID? {
        if case .partner(let id) = try principal(context) { return id }
        return nil
    }

    /// A parameter's type as the catalogue page says it.
    static func describe(_ kind: RunbookParameter.Kind) -> String {
        switch kind {
        case .text(let maximum): "text of at most \(maximum) characters"
        case .integer(let range): "whole number \(range.lowerBound)–\(range.upperBound)"
        case .boolean: "yes or no"
        case .choice(let values): "one of \(values.joined(separator: ", "))"
        case .path: "absolute path"
        }
    }

    func bundleID(_ context: AppRequestContext) throws -> Identifier<EvidenceBundle> {
        try parameter("bundle", context) { try Identifier<EvidenceBundle>($0) }
    }

    /// What an action's redirect may announce (a code in the query, never free text).
    static let notices: [String: String] = [
        "acknowledged": "Incident acknowledged.",
        "approved": "Fix approved: the appliance receives it as a signed order at its next check-in.",
        "resolved": "Incident resolved.",
        "settings": "Healing settings saved: the appliance picks them up at its next check-in.",
        "credential": "Credential saved (sealed; it is never shown again). The next scan uses it.",
        "rule-approve": "Rule approved: it is signed and reaches every appliance at its next rule sync.",
        "rule-reject": "Rule rejected.",
        "user-disabled": "User disabled; their sessions have ended.",
        "key-revoked": "API key revoked; it stops working at once.",
        "branding": "Branding saved.",
        "contact-added": "Contact added. They can now ask for a login link at /portal/login.",
        "contact-disabled": "Contact disabled; their portal sessions have ended.",
    ]

    func back(_ context: AppRequestContext, done: String) -> Response {
        let path = LocalPath.checked(context.form?["back"], fallback: "/incidents")
        return WebSession.redirect(path + (path.contains("?") ? "&" : "?") + "done=" + done)
    }

    func layout(_ context: AppRequestContext, _ section: Layout.Section?) async throws -> Layout {
        let user = context.user
        var tenant = "platform operator"
        var brand: Layout.Brand?
        if case .partner(let id) = context.principal {
            tenant = try await store { try await services.tenancy.partner(id) }?.name ?? id.rawValue
            brand = try await queries.brand(of: id)
        }
        var sections: [Layout.Section] = [.fleet, .incidents, .runbooks]
        if context.principal == .platform { sections.append(.learning) }
        if context.role?.includes(.admin) == true { sections += [.access, .settings, .audit] }
        return Layout(
            user: user?.displayName ?? user?.email ?? "", tenant: tenant,
            csrfToken: SessionTokens.csrf(for: context.sessionToken ?? ""), section: section,
            revision: services.changes.revision, sections: sections, brand: brand)
    }

    private func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        try OperatorAuthenticator.checkSameOrigin(request)
        let form = try await WebForm.read(request, context: context)
        let email = form["email"] ?? ""
        let next = LocalPath.checked(form["next"])
        let throttle = services.loginThrottle
        let address = context.remoteAddress ?? "unknown"
        if let wait = throttle.retryAfter(address, at: services.clock()) {
            services.metrics.increment("vigil_logins_total", [("result", "throttled")])
            return WebSession.page(
                LoginPage(
                    problem: "Too many failed logins from this address. Try again in \(wait) s.", email: email,
                    next: next
                )
                .render(), status: .tooManyRequests)
        }
        let login: LoginSession
        do throws(AccountError) {
            let code = form["totp"].flatMap { $0.isEmpty ? nil : $0 }
            login = try await accounts.login(email: email, password: form["password"] ?? "", totpCode: code)
        } catch .totpRequired {
            services.metrics.increment("vigil_logins_total", [("result", "totp_required")])
            let asked = form["totp"] != nil
            return WebSession.page(
                LoginPage(
                    problem: asked ? "That authenticator code is not right." : nil, email: email, askTOTP: true,
                    next: next
                ).render(), status: asked ? .unauthorized : .ok)
        } catch .loginFailed {
            throttle.recordFailure(address, at: services.clock())
            services.metrics.increment("vigil_logins_total", [("result", "failed")])
            return WebSession.page(
                LoginPage(problem: "Email or password is not right.", email: email, next: next).render(),
                status: .unauthorized)
        } catch {
            throw error.httpError
        }
        throttle.recordSuccess(address)
        services.metrics.increment("vigil_logins_total", [("result", "success")])
        return WebSession.redirect(
            next, cookie: sessionCookie(login.token, maxAge: services.accountPolicy.sessionSeconds))
    }

    /// `GET /events?since=R`: server-sent events. `changed` at once when the feed has moved past
    /// the page's revision `R`, then whenever it moves (checked
    /// each second), a comment every 25 s to keep proxies from closing the stream, and an end
    /// after `eventStreamSeconds` (10 minutes) or at shutdown — the browser reconnects, and the session is checked again.
    func events(since: UInt64?) -> Response {
        let changes = services.changes
        let seconds = max(1, services.eventStreamSeconds)
        var headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-store"]
        headers[HTTPField.Name("X-Accel-Buffering").unsafelyUnwrapped] = "no"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                var seen = since ?? changes.revision
                try await writer.write(ByteBuffer(string: "retry: 5000\n\n"))
                if seen != changes.revision {
                    seen = changes.revision
                    try await writer.write(ByteBuffer(string: "event: changed\ndata: \(seen)\n\n"))
                }
                var quiet = 0
                for _ in 0..<seconds {
                    guard !Task.isCancelled, !Task.isShuttingDownGracefully else { break }
                    try await Task.sleep(for: .seconds(1))
                    let revision = changes.revision
                    if revision != seen {
                        seen = revision
                        quiet = 0
                        try await writer.write(ByteBuffer(string: "event: changed\ndata: \(revision)\n\n"))
                    } else {
                        quiet += 1
                        if quiet >= 25 {
                            quiet = 0
                            try await writer.write(ByteBuffer(string: ": still here\n\n"))
                        }
                    }
                }
                try await writer.finish(nil)
            })
    }

    func sessionCookie(_ token: String, maxAge: Int64) -> String {
        AccountController(services: services, accounts: accounts).cookie(token, maxAge: maxAge)
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "public, max-age=300", .xContentTypeOptions: "nosniff"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
