import Compliance
import Hummingbird
import Views

/// The client portal's reads, scoped to one practice (client): its sites, their checks in
/// plain English, and its evidence.
extension WebQueries {
    /// The practice's status page.
    func portalStatus(_ client: Client, layout: Layout) async throws -> PortalStatusPage {
        var sites: [PortalStatusPage.SiteStatus] = []
        for site in try await store({ try await services.tenancy.sites(of: client.id) }).sorted(by: {
            ($0.name, $0.id) < ($1.name, $1.id)
        }) {
            let hosts = try await store { try await services.tenancy.hosts(at: site.id) }
            let states = try await store { try await services.evidence.checkStates(site: site.id) }
            sites.append(
                PortalStatusPage.SiteStatus(
                    name: site.name, scores: scores(hosts: hosts, states: states),
                    controls: Self.controls(hosts: hosts, states: states, catalog: evidence.catalog)))
        }
        return PortalStatusPage(layout: layout, practice: client.name, sites: sites)
    }

    /// Each check that applies to the site, with its state across the machines it runs on. A
    /// machine without evidence keeps a passing check "unknown": only evidence passes.
    static func controls(hosts: [ManagedHost], states: [CheckState], catalog: CheckCatalog)
        -> [PortalStatusPage.Control]
    {
        var platforms: Set<Platform> = [.appliance]
        for host in hosts { platforms.insert(host.platform) }
        for state in states { platforms.insert(state.checkID.platform) }
        let byCheck = Dictionary(grouping: states, by: \.checkID)
        return catalog.definitions.filter { platforms.contains($0.id.platform) }.map { definition in
            let found = byCheck[definition.id] ?? []
            let expected = max(
                definition.id.platform == .appliance
                    ? Set(found.map(\.hostID)).count : hosts.filter { $0.platform == definition.id.platform }.count,
                found.count, 1)
            let count = { (status: CheckStatus) in found.filter { $0.status == status }.count }
            let noun = expected == 1 ? "computer" : "computers"
            let status: CheckStatus
            let summary: String
            if found.isEmpty {
                (status, summary) = (.unknown, "Unknown: no evidence yet")
            } else if count(.fail) > 0 {
                (status, summary) = (.fail, "Failing on \(count(.fail)) of \(expected) \(noun)")
            } else if count(.error) > 0 {
                (status, summary) = (.error, "Could not be checked on \(count(.error)) of \(expected) \(noun)")
            } else if count(.warn) > 0 {
                (status, summary) = (.warn, "Partly met on \(count(.warn)) of \(expected) \(noun)")
            } else if found.count < expected || count(.unknown) > 0 {
                let missing = expected - count(.pass)
                (status, summary) = (
                    .unknown, "Passing on \(count(.pass)) of \(expected) \(noun); no evidence yet for \(missing)"
                )
            } else {
                (status, summary) = (.pass, expected == 1 ? "Passing" : "Passing on all \(expected) \(noun)")
            }
            // The evidence shown: the newest observation of the state that decided the verdict.
            let deciding = found.filter { $0.status == status }.max { $0.observedAt < $1.observedAt }
            let newest = deciding ?? found.max { $0.observedAt < $1.observedAt }
            return PortalStatusPage.Control(
                check: definition.id.rawValue, title: definition.title, expected: definition.expected,
                why: definition.rationale,
                controls: definition.controls.map { "\($0.framework.displayName) \($0.control)" },
                status: status.rawValue, summary: summary, evidenceAt: newest?.observedAt,
                bundleID: newest?.bundleID.rawValue)
        }
    }

    /// The bundle `id` when it belongs to one of the client's sites; 404 otherwise.
    func portalBundle(_ id: Identifier<EvidenceBundle>, client: Client) async throws -> StoredBundle {
        guard let stored = try await store({ try await services.evidence.bundle(id) }),
            let site = try await store({ try await services.tenancy.site(stored.siteID) }), site.clientID == client.id
        else { throw HTTPError(.notFound, message: "evidence \(id) not found") }
        return stored
    }

    /// A partner's branding as the page header shows it, or nil when it has none.
    func brand(of partner: Partner.ID) async throws -> Layout.Brand? {
        guard let branding = try await store({ try await services.branding.branding(of: partner) }) else {
            return nil
        }
        let name = try await store { try await services.shownName(of: partner, known: branding) } ?? "Vigil"
        return Layout.Brand(name: name, hasLogo: branding.logoPNG != nil, hasColour: branding.accentColour != nil)
    }

    /// `<root>/brand.css` and `<root>/brand/logo.png` of `partner` (404 without branding).
    func brandAsset(_ partner: Partner.ID?, logo: Bool) async throws -> Response {
        guard let partner, let branding = try await store({ try await services.branding.branding(of: partner) })
        else { throw HTTPError(.notFound, message: "no branding") }
        var headers: HTTPFields = [.cacheControl: "private, max-age=300", .xContentTypeOptions: "nosniff"]
        if logo {
            guard let png = branding.logoPNG else { throw HTTPError(.notFound, message: "no logo") }
            headers[.contentType] = "image/png"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: png)))
        }
        // The colour was checked to be #rrggbb when stored; nothing else reaches the stylesheet.
        let colour = branding.accentColour.flatMap { PartnerBranding.isColour($0) ? $0 : nil } ?? "#0b5cad"
        headers[.contentType] = "text/css; charset=utf-8"
        return Response(
            status: .ok, headers: headers,
            body: .init(
                byteBuffer: ByteBuffer(
                    string: ":root { --accent: \(colour); }\n.top { border-bottom: 4px solid \(colour); }\n")))
    }
}
