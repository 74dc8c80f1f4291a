import Compliance
import Hummingbird

/// What every operator-API controller shares: the caller's principal and role, storage errors as
/// HTTP answers, path parameters, and audit entries.
protocol APIController {
    var services: CentralServices { get }
}

extension APIController {
    static func principal(_ context: AppRequestContext) throws -> Principal {
        guard let principal = context.principal else { throw HTTPError(.unauthorized) }
        return principal
    }

    /// Refuses with 403 unless the caller's role includes `role`.
    static func require(_ role: Role, _ context: AppRequestContext) throws {
        guard let held = context.role, held.includes(role) else {
            throw HTTPError(.forbidden, message: "this needs the \(role.rawValue) role")
        }
    }

    /// Runs a storage call and maps `StoreError` to the HTTP answer for it.
    func store<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw error.httpError
        }
    }

    /// The `limit` query value: a whole number within `range`, `fallback` when absent; 400
    /// otherwise, naming the range.
    static func limit(_ text: Substring?, in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        guard let text else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw HTTPError(.badRequest, message: "limit must be \(range.lowerBound)–\(range.upperBound)")
        }
        return value
    }

    func parameter<T>(_ name: String, _ context: AppRequestContext, _ make: (String) throws -> T) throws -> T {
        guard let text = context.parameters.get(name), let value = try? make(text) else {
            throw HTTPError(.notFound, message: "\(name) not found")
        }
        return value
    }

    /// The partner that owns `site`, or nil when the site does not exist.
    func partner(ofSite id: Site.ID) async throws -> Partner.ID? {
        guard let site = try await store({ try await services.tenancy.site(id) }) else { return nil }
        return try await store { try await services.tenancy.client(site.clientID) }?.partnerID
    }

    /// Writes an audit entry for the caller's action, visible to the partner it concerns: the
    /// caller's own, or the one that owns `site`.
    func audit(
        _ context: AppRequestContext, _ action: String, target: String, detail: String = "", site: Site.ID? = nil,
        partner given: Partner.ID? = nil
    ) async throws {
        var partner = given
        if partner == nil, case .partner(let own) = context.principal {
            partner = own
        } else if partner == nil, let site {
            partner = try await self.partner(ofSite: site)
        }
        try await store {
            try await services.events.append([
                AuditEntry(
                    at: services.clock(), actor: context.actor ?? "unknown", action: action, target: target,
                    detail: detail, partnerID: partner)
            ])
        }
    }
}

extension StoreError {
    var httpError: HTTPError {
        switch self {
        case .notFound(let what): HTTPError(.notFound, message: "\(what) not found")
        case .conflict(let what): HTTPError(.conflict, message: what)
        case .invalid(let what): HTTPError(.badRequest, message: what)
        case .unavailable: HTTPError(.serviceUnavailable, message: "storage unavailable; retry later")
        }
    }
}

extension Principal {
    /// Whether this principal may see `key` (platform keys belong to the platform only).
    func mayAccess(partnerOf key: APIKey) -> Bool {
        guard let partner = key.partnerID else { return self == .platform }
        return mayAccess(partner)
    }
}
