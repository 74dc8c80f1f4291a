import Compliance
import Foundation
import HTTPTypes
import Healing
import Hummingbird
import VigilAPI

/// L3 (issue 5): appliances escalate what they could not heal; operators see incidents with
/// their SLA clocks, acknowledge them, approve a pending fix (which becomes a signed
/// `run_runbook` order) and resolve them with a note. Tenant-scoped like every operator route.
struct IncidentController: APIController {
    let services: CentralServices
    let fleet: FleetService
    let tenancy: TenancyController
    /// Proposed fixes must name a runbook of the catalogue with parameters it accepts.
    let catalogue: RunbookCatalogue
    /// Incidents being approved: the order is signed before the store records the approval, so
    /// a concurrent second approval is refused up front.
    let approving = InFlight<String>()

    func registerAppliance(on appliance: RouterGroup<AppRequestContext>) {
        appliance.post("incidents") { request, context in
            guard let enrolled = context.appliance else { throw HTTPError(.unauthorized) }
            let body = try await JSONRequest.decode(EscalationRequest.self, from: request, context: context)
            let incident = try await incident(from: body, appliance: enrolled)
            let (stored, created) = try await store { try await services.incidents.raise(incident) }
            if created { services.metrics.increment("vigil_incidents_opened_total") }
            services.changes.bump()
            return try JSONResponse.make(
                IncidentInfo(stored, at: services.clock()), status: created ? .created : .ok)
        }
    }

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("sites/:site/incidents") { request, context in
            let site = try await tenancy.visibleSite(context)
            var status: Incident.Status?
            if let text = request.uri.queryParameters.get("status") {
                guard let parsed = Incident.Status(rawValue: text) else {
                    throw HTTPError(.badRequest, message: "status must be open, acknowledged or resolved")
                }
                status = parsed
            }
            let incidents = try await store {
                try await services.incidents.incidents(site: site.id, status: status, limit: 1000)
            }
            let now = services.clock()
            return try JSONResponse.make(incidents.map { IncidentInfo($0, at: now) })
        }
        api.get("incidents/:incident") { _, context in
            try JSONResponse.make(IncidentInfo(try await visibleIncident(context), at: services.clock()))
        }
        api.post("incidents/:incident/acknowledge") { _, context in
            try JSONResponse.make(IncidentInfo(try await acknowledge(context), at: services.clock()))
        }
        api.post("incidents/:incident/resolve") { request, context in
            let body = try await JSONRequest.decode(ResolveIncident.self, from: request, context: context)
            return try JSONResponse.make(
                IncidentInfo(try await resolve(context, note: body.note), at: services.clock()))
        }
        api.post("incidents/:incident/approve") { _, context in
            try JSONResponse.make(IncidentInfo(try await approve(context), at: services.clock()))
        }
    }

    /// Acknowledges the incident the path names (the API and the web pages alike).
    func acknowledge(_ context: AppRequestContext) async throws -> Incident {
        let incident = try await visibleIncident(context)
        let actor = context.actor ?? "unknown"
        let updated = try await store {
            try await services.incidents.acknowledge(incident.id, by: actor, at: services.clock())
        }
        try await audit(context, "incident.acknowledged", target: "incident:\(incident.id)", site: incident.siteID)
        services.changes.bump()
        return updated
    }

    /// Resolves the incident the path names with `note`.
    func resolve(_ context: AppRequestContext, note: String) async throws -> Incident {
        let incident = try await visibleIncident(context)
        let actor = context.actor ?? "unknown"
        let updated = try await store {
            try await services.incidents.resolve(incident.id, by: actor, note: note, at: services.clock())
        }
        try await audit(context, "incident.resolved", target: "incident:\(incident.id)", site: incident.siteID)
        services.changes.bump()
        return updated
    }

    /// Approves the pending fix of the incident the path names; a concurrent second approval of
    /// the same incident is refused with 409.
    func approve(_ context: AppRequestContext) async throws -> Incident {
        let id = try await visibleIncident(context).id
        guard await approving.claim(id.rawValue) else {
            throw HTTPError(.conflict, message: "incident \(id) is being approved by another request")
        }
        do {
            let approved = try await approveClaimed(context)
            await approving.release(id.rawValue)
            return approved
        } catch {
            await approving.release(id.rawValue)
            throw error
        }
    }

    /// Approves the incident's pending fix (read again now that no other request is approving
    /// it): a signed `run_runbook` order, then the approval stored.
    private func approveClaimed(_ context: AppRequestContext) async throws -> Incident {
        let incident = try await visibleIncident(context)
        let actor = context.actor ?? "unknown"
        // The store's own rule, tried on a copy before any order is signed.
        var trial = incident
        do throws(StoreError) {
            try trial.approve(order: "trial", by: actor, at: services.clock())
        } catch {
            throw error.httpError
        }
        guard let action = incident.pendingAction,
            let appliance = try await store({ try await services.tenancy.appliance(incident.applianceID) })
        else {
            throw HTTPError(.conflict, message: "appliance \(incident.applianceID) no longer exists")
        }
        var parameters = action.parameters
        parameters["runbook"] = action.runbook
        parameters["host"] = incident.hostID.rawValue
        let order: Order
        do throws(FleetError) {
            order = try await fleet.createOrder(
                for: appliance, type: OrderType.runRunbook.rawValue, parameters: parameters, ttlSeconds: nil,
                createdBy: actor)
        } catch {
            throw error.httpError
        }
        let updated = try await store {
            try await services.incidents.approve(
                incident.id, order: order.id.rawValue, by: actor, at: services.clock())
        }
        try await audit(
            context, "incident.approved", target: "incident:\(incident.id)",
            detail: "\(action.runbook) as order \(order.id)", site: incident.siteID)
        services.changes.bump()
        return updated
    }

    /// Checks an escalation against the catalogue and the site, and makes the incident.
    func incident(from body: EscalationRequest, appliance: Appliance) async throws -> Incident {
        guard let checkID = try? CheckID(body.checkID), let definition = CheckCatalog.builtin[checkID] else {
            throw HTTPError(
                .badRequest, message: "check_id \(String(reflecting: body.checkID)) is not in the check catalogue")
        }
        guard let hostID = try? ManagedHost.ID(body.hostID) else {
            throw HTTPError(.badRequest, message: "host_id is not a valid host ID")
        }
        let hostName: String
        if hostID.rawValue == appliance.id.rawValue {
            hostName = "the appliance"
        } else if let host = try await store({ try await services.tenancy.host(hostID) }),
            host.siteID == appliance.siteID
        {
            hostName = host.name
        } else {
            throw HTTPError(.badRequest, message: "host \(hostID) is not a host of this appliance's site")
        }
        guard (0...1000).contains(body.attempts) else {
            throw HTTPError(.badRequest, message: "attempts must be 0–1000")
        }
        if let action = body.pendingAction {
            guard let runbook = catalogue[action.runbook] else {
                throw HTTPError(.badRequest, message: RunbookError.unknownRunbook(action.runbook).description)
            }
            do {
                _ = try runbook.resolve(action.parameters)
            } catch {
                throw HTTPError(.badRequest, message: error.description)
            }
            guard action.orderID == nil else {
                throw HTTPError(.badRequest, message: "a proposed action cannot arrive approved")
            }
            if let confidence = action.confidence, !(0...1).contains(confidence) {
                throw HTTPError(.badRequest, message: "confidence must be between 0 and 1")
            }
        }
        let incident = Incident(
            id: .random(prefix: "incident"), siteID: appliance.siteID, applianceID: appliance.id, hostID: hostID,
            checkID: checkID, severity: definition.severity, title: "\(definition.title): failing on \(hostName)",
            context: body.context, observed: body.observed, attempts: body.attempts, pendingAction: body.pendingAction,
            at: services.clock())
        do {
            try incident.checkStorable()
        } catch {
            throw HTTPError(.badRequest, message: error.description)
        }
        return incident
    }

    func visibleIncident(_ context: AppRequestContext) async throws -> Incident {
        let id = try parameter("incident", context) { try Incident.ID($0) }
        guard let incident = try await store({ try await services.incidents.incident(id) }),
            let partner = try await partner(ofSite: incident.siteID), try Self.principal(context).mayAccess(partner)
        else { throw HTTPError(.notFound, message: "incident \(id) not found") }
        return incident
    }
}
