import Compliance
import Foundation
import HTTPTypes
import Hummingbird
import VigilAPI

/// The operator and partner API for the tenancy tree, claim codes, API keys and evidence
/// listings. Every object is looked up through its partner and refused with 404 — the same answer
/// as for a missing object — when the caller's principal may not see that partner.
struct TenancyController: APIController {
    let services: CentralServices
    let enrolment: EnrolmentService

    /// Registers the routes on `api`, the authenticated `/api/v1` group.
    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("partners") { _, context in
            let principal = try Self.principal(context)
            let all = try await store { try await services.tenancy.partners() }
            return try JSONResponse.make(all.filter { principal.mayAccess($0.id) })
        }
        api.post("partners") { request, context in
            guard try Self.principal(context) == .platform else {
                throw HTTPError(.forbidden, message: "only the platform operator creates partners")
            }
            try Self.require(.admin, context)
            let body = try await JSONRequest.decode(CreatePartner.self, from: request, context: context)
            let partner = Partner(id: .random(prefix: "partner"), name: body.name)
            try await store { try await services.tenancy.create(partner) }
            try await audit(context, "partner.created", target: "partner:\(partner.id)", partner: partner.id)
            return try JSONResponse.make(partner, status: .created)
        }
        api.get("partners/:partner/clients") { _, context in
            let partner = try await visiblePartner(context)
            return try JSONResponse.make(try await store { try await services.tenancy.clients(of: partner) })
        }
        api.post("partners/:partner/clients") { request, context in
            let partner = try await visiblePartner(context)
            let body = try await JSONRequest.decode(CreateClient.self, from: request, context: context)
            let client = Client(id: .random(prefix: "client"), partnerID: partner, name: body.name)
            try await store { try await services.tenancy.create(client) }
            try await audit(context, "client.created", target: "client:\(client.id)", partner: partner)
            return try JSONResponse.make(client, status: .created)
        }
        api.get("audit-log") { request, context in
            try JSONResponse.make(try await auditEntries(request, context: context).map(AuditEntryInfo.init))
        }
        api.get("partners/:partner/api-keys") { _, context in
            let partner = try await visiblePartner(context)
            try Self.require(.admin, context)
            let keys = try await store { try await services.apiKeys.apiKeys(of: partner) }
            return try JSONResponse.make(keys.map(Self.info))
        }
        api.delete("api-keys/:key") { _, context in
            try Self.require(.admin, context)
            try await revokeAPIKey(try parameter("key", context) { try APIKey.ID($0) }, context: context)
            return Response(status: .noContent)
        }
        api.post("partners/:partner/api-keys") { request, context in
            let partner = try await visiblePartner(context)
            try Self.require(.admin, context)
            let body = try await JSONRequest.decode(CreateAPIKey.self, from: request, context: context)
            return try JSONResponse.make(
                try await createAPIKey(partner: partner, name: body.name, context: context), status: .created)
        }
        api.get("clients/:client/contacts") { _, context in
            let client = try await visibleClient(context)
            let contacts = try await store { try await services.portal.contacts(of: client.id) }
            return try JSONResponse.make(contacts.map(Self.info))
        }
        api.post("clients/:client/contacts") { request, context in
            let client = try await visibleClient(context)
            try Self.require(.technician, context)
            let body = try await JSONRequest.decode(CreatePortalContact.self, from: request, context: context)
            let contact = try await createContact(client, email: body.email, name: body.name, context: context)
            return try JSONResponse.make(Self.info(contact), status: .created)
        }
        api.post("contacts/:contact/disable") { _, context in
            try Self.require(.technician, context)
            try await disableContact(try await visibleContact(context), context: context)
            return try JSONResponse.make(Self.info(try await visibleContact(context)))
        }
        api.get("partners/:partner/branding") { _, context in
            let partner = try await visiblePartner(context)
            let branding = try await store { try await services.branding.branding(of: partner) }
            return try JSONResponse.make(
                PartnerBrandingBody(
                    displayName: branding?.displayName, accentColour: branding?.accentColour,
                    logoPNGBase64: branding?.logoPNG.map { Data($0).base64EncodedString() }))
        }
        api.put("partners/:partner/branding") { request, context in
            let partner = try await visiblePartner(context)
            try Self.require(.admin, context)
            let body = try await JSONRequest.decode(PartnerBrandingBody.self, from: request, context: context)
            var logo: [UInt8]?
            if let text = body.logoPNGBase64 {
                guard let data = Data(base64Encoded: text) else {
                    throw HTTPError(.badRequest, message: "logo_png_base64 is not base64")
                }
                logo = Array(data)
            }
            try await saveBranding(
                PartnerBranding(
                    partnerID: partner, displayName: body.displayName, accentColour: body.accentColour, logoPNG: logo),
                context: context)
            return try JSONResponse.make(body)
        }
        api.get("clients/:client/sites") { _, context in
            let client = try await visibleClient(context)
            return try JSONResponse.make(try await store { try await services.tenancy.sites(of: client.id) })
        }
        api.post("clients/:client/sites") { request, context in
            let client = try await visibleClient(context)
            let body = try await JSONRequest.decode(CreateSite.self, from: request, context: context)
            guard TimeZone(identifier: body.timeZone) != nil else {
                throw HTTPError(
                    .badRequest, message: "time_zone \(String(reflecting: body.timeZone)) is not an IANA time zone")
            }
            let site = Site(id: .random(prefix: "site"), clientID: client.id, name: body.name, timeZone: body.timeZone)
            try await store { try await services.tenancy.create(site) }
            try await audit(context, "site.created", target: "site:\(site.id)", partner: client.partnerID)
            return try JSONResponse.make(site, status: .created)
        }
        api.post("sites/:site/claim-codes") { request, context in
            let site = try await visibleSite(context)
            let body = try await JSONRequest.decode(CreateClaimCode.self, from: request, context: context)
            let created = try await createClaimCode(site, seconds: body.validForSeconds, context: context)
            return try JSONResponse.make(
                ClaimCodeCreated(
                    code: created.code, siteID: site.id.rawValue, expiresAt: created.expiresAt.description),
                status: .created)
        }
        api.get("sites/:site/appliances") { _, context in
            let site = try await visibleSite(context)
            let appliances = try await store { try await services.tenancy.appliances(at: site.id) }
            let now = services.clock()
            var answer: [ApplianceInfo] = []
            for appliance in appliances {
                let health = try await store { try await services.fleet.health(of: appliance.id) }
                let rotations = try await store { try await services.tenancy.keyRotations(of: appliance.id) }
                answer.append(
                    ApplianceInfo(
                        status: ApplianceStatus(lastCheckIn: health?.checkedInAt, now: now).rawValue,
                        id: appliance.id.rawValue, siteID: appliance.siteID.rawValue, publicKey: appliance.publicKey,
                        softwareRevision: appliance.softwareRevision, deploymentMode: appliance.deploymentMode.rawValue,
                        lastCheckInAt: health?.checkedInAt.description, softwareVersion: health?.softwareVersion,
                        queueDepth: health?.queueDepth, clockOffsetMilliseconds: health?.clockOffsetMilliseconds,
                        keyRotations: rotations.map(KeyRotationRecord.init)))
            }
            return try JSONResponse.make(answer)
        }
    }

    static func info(_ key: APIKey) -> APIKeyInfo {
        APIKeyInfo(
            id: key.id.rawValue, partnerID: key.partnerID?.rawValue, name: key.name,
            createdAt: key.createdAt.description, lastUsedAt: key.lastUsedAt?.description,
            revokedAt: key.revokedAt?.description)
    }

    /// Creates a practice contact of `client` (the caller may see the client) and audits it.
    func createContact(_ client: Client, email: String, name: String, context: AppRequestContext) async throws
        -> PortalContact
    {
        let normalized: String
        do {
            normalized = try User.normalizedEmail(email)
        } catch {
            throw HTTPError(.badRequest, message: error.description)
        }
        let contact = PortalContact(
            id: .random(prefix: "contact"), clientID: client.id, email: normalized,
            name: name.trimmingCharacters(in: .whitespaces), createdAt: services.clock())
        try await store { try await services.portal.create(contact) }
        try await audit(
            context, "portal.contact_created", target: "contact:\(contact.id)", detail: normalized,
            partner: client.partnerID)
        return contact
    }

    /// A new API key of `partner` (nil: a platform key), shown once; only its hash is stored.
    func createAPIKey(partner: Partner.ID?, name: String, context: AppRequestContext) async throws -> APIKeyCreated {
        let (token, key) = APIKeyTokens.generate(partner: partner, name: name, at: services.clock())
        try await store { try await services.apiKeys.create(key) }
        try await audit(context, "api_key.created", target: "key:\(key.id)", partner: partner)
        return APIKeyCreated(id: key.id.rawValue, partnerID: partner?.rawValue, name: key.name, token: token)
    }

    /// Revokes a key the caller may see.
    func revokeAPIKey(_ id: APIKey.ID, context: AppRequestContext) async throws {
        guard let key = try await store({ try await services.apiKeys.apiKey(id) }),
            try Self.principal(context).mayAccess(partnerOf: key)
        else { throw HTTPError(.notFound, message: "API key \(id) not found") }
        try await store { try await services.apiKeys.revoke(id, at: services.clock()) }
        try await audit(context, "api_key.revoked", target: "key:\(id)", partner: key.partnerID)
    }

    /// A one-time claim code for a new appliance at `site`, valid 60 s to 30 days (7 by default).
    func createClaimCode(_ site: Site, seconds: Int64?, context: AppRequestContext) async throws
        -> (code: String, expiresAt: Timestamp)
    {
        let seconds = seconds ?? 7 * 86_400
        guard (60...(30 * 86_400)).contains(seconds) else {
            throw HTTPError(.badRequest, message: "valid_for_seconds must be between 60 and 2592000 (30 days)")
        }
        let created = try await store { try await enrolment.createClaimCode(site: site.id, validFor: seconds) }
        try await audit(context, "claim_code.created", target: "site:\(site.id)", site: site.id)
        return created
    }

    /// Disables a practice contact (ending its portal sessions) and audits it.
    func disableContact(_ contact: PortalContact, context: AppRequestContext) async throws {
        try await store { try await services.portal.disable(contact.id, at: services.clock()) }
        let partner = try await store { try await services.tenancy.client(contact.clientID) }?.partnerID
        try await audit(context, "portal.contact_disabled", target: "contact:\(contact.id)", partner: partner)
    }

    /// Saves a partner's branding (the caller may see the partner) and audits it.
    func saveBranding(_ branding: PartnerBranding, context: AppRequestContext) async throws {
        try await store { try await services.branding.save(branding) }
        try await audit(
            context, "partner.branding_changed", target: "partner:\(branding.partnerID)",
            detail:
                "name \(branding.displayName ?? "-"), colour \(branding.accentColour ?? "-"), logo \(branding.logoPNG.map { "\($0.count) bytes" } ?? "none")",
            partner: branding.partnerID)
    }

    /// The contact named by `:contact` when the caller may see its client's partner; 404 otherwise.
    func visibleContact(_ context: AppRequestContext) async throws -> PortalContact {
        let id = try parameter("contact", context) { try PortalContact.ID($0) }
        guard let contact = try await store({ try await services.portal.contact(id) }),
            let client = try await store({ try await services.tenancy.client(contact.clientID) }),
            try Self.principal(context).mayAccess(client.partnerID)
        else { throw HTTPError(.notFound, message: "contact \(id) not found") }
        return contact
    }

    static func info(_ contact: PortalContact) -> PortalContactInfo {
        PortalContactInfo(
            id: contact.id.rawValue, clientID: contact.clientID.rawValue, email: contact.email, name: contact.name,
            createdAt: contact.createdAt.description, disabledAt: contact.disabledAt?.description)
    }

    func visiblePartner(_ context: AppRequestContext) async throws -> Partner.ID {
        let id = try parameter("partner", context) { try Partner.ID($0) }
        guard try Self.principal(context).mayAccess(id),
            try await store({ try await services.tenancy.partner(id) }) != nil
        else { throw HTTPError(.notFound, message: "partner \(id) not found") }
        return id
    }

    func visibleClient(_ context: AppRequestContext) async throws -> Client {
        let id = try parameter("client", context) { try Client.ID($0) }
        guard let client = try await store({ try await services.tenancy.client(id) }),
            try Self.principal(context).mayAccess(client.partnerID)
        else { throw HTTPError(.notFound, message: "client \(id) not found") }
        return client
    }

    /// The audit entries the caller may read (`limit`, `before`, and for the platform `partner`), newest first.
    func auditEntries(_ request: Request, context: AppRequestContext) async throws -> [NumberedAuditEntry] {
        try Self.require(.admin, context)
        let query = request.uri.queryParameters
        let limit =
            try Self.limit(query["limit"], in: 1...10_000, default: 100)
        let before = try query["before"].map { text -> Int64 in
            guard let value = Int64(text), value > 0 else {
                throw HTTPError(.badRequest, message: "before must be an entry ID (a positive number)")
            }
            return value
        }
        let partner: Partner.ID?
        switch try Self.principal(context) {
        case .partner(let own):
            partner = own
        case .platform:
            partner = try query["partner"].map { text in
                guard let id = try? Partner.ID(String(text)) else {
                    throw HTTPError(.badRequest, message: "partner is not a partner ID")
                }
                return id
            }
        }
        let entries = try await store {
            try await services.events.entries(partner: partner, before: before, limit: limit)
        }
        return entries
    }

    func visibleSite(_ context: AppRequestContext) async throws -> Site {
        let id = try parameter("site", context) { try Site.ID($0) }
        guard let site = try await store({ try await services.tenancy.site(id) }),
            let client = try await store({ try await services.tenancy.client(site.clientID) }),
            try Self.principal(context).mayAccess(client.partnerID)
        else { throw HTTPError(.notFound, message: "site \(id) not found") }
        return site
    }
}
