import Compliance
import Foundation
import Hummingbird
import Views
import VigilAPI

/// The administration pages: users and API keys, claim codes with their QR code, a site's
/// orders, and a partner's settings (branding, practice contacts). Every action is the API's own
/// method, so page and API validate and audit alike.
extension WebController {
    var accountController: AccountController { AccountController(services: services, accounts: accounts) }

    func registerAdministration(on web: RouterGroup<AppRequestContext>) {
        web.get("access") { request, context in
            WebSession.page(try await accessPage(context, notice: Self.notice(request)).render())
        }
        web.post("access/users") { _, context in
            try Self.require(.admin, context)
            let form = context.form ?? WebForm(fields: [:])
            let partner = try Self.partner(of: context)?.rawValue
            let created = try await accountController.createUser(
                CreateUser(
                    email: form["email"] ?? "", displayName: (form["name"] ?? "").trimmingCharacters(in: .whitespaces),
                    role: form["role"] ?? "", partnerID: partner), context: context)
            let page = try await accessPage(
                context,
                secret: AccessPage.Secret(what: "Password of \(created.user.email)", value: created.password))
            return WebSession.page(page.render(), status: .created)
        }
        web.post("access/users/:user/disable") { _, context in
            try Self.require(.admin, context)
            try await accountController.disableUser(
                try parameter("user", context) { try User.ID($0) }, context: context)
            return WebSession.redirect("/access?done=user-disabled")
        }
        web.post("access/keys") { _, context in
            try Self.require(.admin, context)
            let name = (context.form?["name"] ?? "").trimmingCharacters(in: .whitespaces)
            let created = try await tenancy.createAPIKey(
                partner: try Self.partner(of: context), name: name, context: context)
            let page = try await accessPage(
                context, secret: AccessPage.Secret(what: "API key \(created.name)", value: created.token))
            return WebSession.page(page.render(), status: .created)
        }
        web.post("access/keys/:key/revoke") { _, context in
            try Self.require(.admin, context)
            try await tenancy.revokeAPIKey(try parameter("key", context) { try APIKey.ID($0) }, context: context)
            return WebSession.redirect("/access?done=key-revoked")
        }
        web.post("sites/:site/claim-codes") { _, context in
            try Self.require(.technician, context)
            let site = try await tenancy.visibleSite(context)
            let created = try await tenancy.createClaimCode(site, seconds: nil, context: context)
            let enrolment =
                "vigil-enrol:?server=\(WebSession.queryEscaped(services.publicURL))&code=\(WebSession.queryEscaped(created.code))"
            let page = ClaimCodePage(
                layout: try await layout(context, nil), siteID: site.id.rawValue, siteName: site.name,
                code: created.code, expiresAt: created.expiresAt, enrolment: enrolment)
            return WebSession.page(page.render(), status: .created)
        }
        web.get("sites/:site/orders") { _, context in
            let site = try await tenancy.visibleSite(context)
            let now = services.clock()
            let orders = try await store { try await services.fleet.orders(site: site.id, limit: 500) }
            let page = OrdersPage(
                layout: try await layout(context, nil), siteID: site.id.rawValue, siteName: site.name,
                orders: orders.map { OrderInfo($0, at: now) })
            return WebSession.page(page.render())
        }
        web.get("settings") { request, context in
            WebSession.page(try await settingsPage(request, context).render())
        }
        web.post("settings/branding") { request, context in
            try Self.require(.admin, context)
            let partner = try await settingsPartner(request, context)
            let form = context.form ?? WebForm(fields: [:])
            let current = try await store { try await services.branding.branding(of: partner.id) }
            let name = (form["display_name"] ?? "").trimmingCharacters(in: .whitespaces)
            let colour = (form["accent_colour"] ?? "").lowercased()
            var logo = form.files["logo"] ?? current?.logoPNG
            if form["remove_logo"] != nil { logo = nil }
            try await tenancy.saveBranding(
                PartnerBranding(
                    partnerID: partner.id, displayName: name.isEmpty ? nil : name,
                    accentColour: colour.isEmpty ? nil : colour, logoPNG: logo), context: context)
            return WebSession.redirect("/settings?partner=\(partner.id)&done=branding")
        }
        web.post("settings/clients/:client/contacts") { _, context in
            try Self.require(.technician, context)
            let client = try await tenancy.visibleClient(context)
            let form = context.form ?? WebForm(fields: [:])
            _ = try await tenancy.createContact(
                client, email: form["email"] ?? "", name: form["name"] ?? "", context: context)
            return WebSession.redirect("/settings?partner=\(client.partnerID)&done=contact-added")
        }
        web.post("settings/contacts/:contact/disable") { _, context in
            try Self.require(.technician, context)
            let contact = try await tenancy.visibleContact(context)
            try await tenancy.disableContact(contact, context: context)
            let partner = try await store { try await services.tenancy.client(contact.clientID) }?.partnerID
            return WebSession.redirect("/settings?partner=\(partner?.rawValue ?? "")&done=contact-disabled")
        }
    }

    static func notice(_ request: Request) -> String? {
        request.uri.queryParameters.get("done").flatMap { notices[$0] }
    }

    func accessPage(_ context: AppRequestContext, secret: AccessPage.Secret? = nil, notice: String? = nil)
        async throws -> AccessPage
    {
        try Self.require(.admin, context)
        let partner = try Self.partner(of: context)
        let users = try await store { try await services.accounts.users(of: partner) }
        let keys = try await store { try await services.apiKeys.apiKeys(of: partner) }
        return AccessPage(
            layout: try await layout(context, .access), users: users.map(UserInfo.init),
            keys: keys.map(TenancyController.info), currentUserID: context.user?.id.rawValue ?? "", secret: secret,
            notice: notice)
    }

    /// The partner the settings page shows: the caller's own, or for the platform operator the
    /// one `?partner=` names (else the first).
    func settingsPartner(_ request: Request, _ context: AppRequestContext) async throws -> Partner {
        let principal = try Self.principal(context)
        let requested = request.uri.queryParameters.get("partner").flatMap { try? Partner.ID($0) }
        switch principal {
        case .partner(let own):
            if let requested, requested != own { throw HTTPError(.notFound, message: "partner not found") }
            guard let partner = try await store({ try await services.tenancy.partner(own) }) else {
                throw HTTPError(.notFound, message: "partner not found")
            }
            return partner
        case .platform:
            let all = try await store { try await services.tenancy.partners() }
            guard let partner = requested.map({ id in all.first { $0.id == id } }) ?? all.first else {
                throw HTTPError(.notFound, message: "no partner yet: create one first (POST /api/v1/partners)")
            }
            return partner
        }
    }

    func settingsPage(_ request: Request, _ context: AppRequestContext) async throws -> SettingsPage {
        try Self.require(.admin, context)
        let partner = try await settingsPartner(request, context)
        let partners =
            try Self.principal(context) == .platform
            ? try await store { try await services.tenancy.partners() }
            : []
        let branding = try await store { try await services.branding.branding(of: partner.id) }
        var practices: [SettingsPage.Practice] = []
        for client in try await store({ try await services.tenancy.clients(of: partner.id) }) {
            let contacts = try await store { try await services.portal.contacts(of: client.id) }
            practices.append(
                SettingsPage.Practice(
                    id: client.id.rawValue, name: client.name, contacts: contacts.map(TenancyController.info)))
        }
        return SettingsPage(
            layout: try await layout(context, .settings), partnerID: partner.id.rawValue, partnerName: partner.name,
            partners: partners,
            branding: PartnerBrandingBody(displayName: branding?.displayName, accentColour: branding?.accentColour),
            hasLogo: branding?.logoPNG != nil,
            practices: practices, notice: Self.notice(request))
    }
}
