import Compliance
import Foundation
import HTTPTypes
import Hummingbird
import VigilAPI

/// The fleet API: the appliance's check-in and order reports (signed requests), and the
/// operator's orders, hosts, target credentials and site settings (tenant-scoped).
struct FleetController: APIController {
    let services: CentralServices
    let fleet: FleetService
    let tenancy: TenancyController

    /// Routes on the appliance group (request signatures already verified).
    func registerAppliance(on appliance: RouterGroup<AppRequestContext>) {
        appliance.post("check-in") { request, context in
            let enrolled = try await enrolledAppliance(context)
            let body = try await JSONRequest.decode(CheckInRequest.self, from: request, context: context)
            let answer: CheckInAnswer
            do throws(FleetError) {
                answer = try await fleet.checkIn(enrolled, request: body)
            } catch {
                if case .sealing(let why) = error {
                    context.logger.error("check-in failed", metadata: ["why": "\(why)"])
                }
                throw error.httpError
            }
            services.metrics.increment("vigil_check_ins_total")
            var response = JSONResponse.make(bytes: try answer.json())
            response.headers[.cacheControl] = "no-store"
            return response
        }
        appliance.post("orders/:order/status") { request, context in
            let enrolled = try await enrolledAppliance(context)
            let id = try parameter("order", context) { try Order.ID($0) }
            let body = try await JSONRequest.decode(OrderReport.self, from: request, context: context)
            let order: Order
            do throws(FleetError) {
                order = try await fleet.report(body, order: id, from: enrolled.id)
            } catch {
                throw error.httpError
            }
            return try JSONResponse.make(OrderInfo(order, at: services.clock()))
        }
    }

    /// Routes on the authenticated operator group.
    func register(on api: RouterGroup<AppRequestContext>) {
        api.post("sites/:site/orders") { request, context in
            let site = try await tenancy.visibleSite(context)
            let body = try await JSONRequest.decode(CreateOrder.self, from: request, context: context)
            guard let applianceID = try? Appliance.ID(body.applianceID),
                let appliance = try await store({ try await services.tenancy.appliance(applianceID) }),
                appliance.siteID == site.id
            else { throw HTTPError(.notFound, message: "appliance \(body.applianceID) not found at site \(site.id)") }
            let order: Order
            do throws(FleetError) {
                order = try await fleet.createOrder(
                    for: appliance, type: body.type, parameters: body.parameters ?? [:], ttlSeconds: body.ttlSeconds,
                    createdBy: context.actor ?? "unknown")
            } catch {
                throw error.httpError
            }
            try await audit(
                context, "order.created", target: "order:\(order.id)", detail: order.type.rawValue, site: site.id)
            return try JSONResponse.make(OrderInfo(order, at: services.clock()), status: .created)
        }
        api.get("sites/:site/orders") { _, context in
            let site = try await tenancy.visibleSite(context)
            let orders = try await store { try await services.fleet.orders(site: site.id, limit: 1000) }
            let now = services.clock()
            return try JSONResponse.make(orders.map { OrderInfo($0, at: now) })
        }
        api.get("sites/:site/hosts") { _, context in
            let site = try await tenancy.visibleSite(context)
            return try JSONResponse.make(try await store { try await services.tenancy.hosts(at: site.id) })
        }
        api.post("sites/:site/hosts") { request, context in
            let site = try await tenancy.visibleSite(context)
            let body = try await JSONRequest.decode(CreateHost.self, from: request, context: context)
            guard let platform = Platform(rawValue: body.platform), platform != .appliance else {
                throw HTTPError(.badRequest, message: "platform must be linux or windows")
            }
            let host = ManagedHost(
                id: .random(prefix: "host"), siteID: site.id, name: body.name, platform: platform, address: body.address
            )
            try await store { try await services.tenancy.create(host) }
            try await audit(context, "host.created", target: "host:\(host.id)", site: site.id)
            return try JSONResponse.make(host, status: .created)
        }
        api.put("hosts/:host/credential") { request, context in
            let body = try await JSONRequest.decode(TargetCredential.self, from: request, context: context)
            return try JSONResponse.make(CredentialInfo(try await setCredential(body, context: context)))
        }
        api.get("hosts/:host/credential") { _, context in
            let host = try await visibleHost(context)
            guard let stored = try await store({ try await services.fleet.credential(of: host.id) }) else {
                throw HTTPError(.notFound, message: "host \(host.id) has no credential")
            }
            return try JSONResponse.make(CredentialInfo(stored))
        }
        api.delete("hosts/:host/credential") { _, context in
            let host = try await visibleHost(context)
            try await store { try await services.fleet.deleteCredential(of: host.id) }
            try await audit(context, "credential.deleted", target: "host:\(host.id)", site: host.siteID)
            return Response(status: .noContent)
        }
        api.get("sites/:site/settings") { _, context in
            let site = try await tenancy.visibleSite(context)
            let settings = try await store { try await services.fleet.settings(of: site.id) }
            return try JSONResponse.make(SiteSettingsBody(settings))
        }
        api.put("sites/:site/settings") { request, context in
            let body = try await JSONRequest.decode(SiteSettingsBody.self, from: request, context: context)
            return try JSONResponse.make(SiteSettingsBody(try await saveSettings(body, context: context)))
        }
    }

    /// Sets the credential of the host the path names (the API and the web pages alike).
    func setCredential(_ body: TargetCredential, context: AppRequestContext) async throws -> StoredCredential {
        let host = try await visibleHost(context)
        let stored: StoredCredential
        do throws(FleetError) {
            stored = try await fleet.setCredential(body, for: host.id)
        } catch {
            throw error.httpError
        }
        try await audit(
            context, "credential.set", target: "host:\(host.id)", detail: stored.kind.rawValue, site: host.siteID)
        return stored
    }

    /// Saves the settings of the site the path names (the API and the web pages alike).
    func saveSettings(_ body: SiteSettingsBody, context: AppRequestContext) async throws -> SiteSettings {
        let site = try await tenancy.visibleSite(context)
        if let problem = body.maintenanceWindow?.problem {
            throw HTTPError(.badRequest, message: "maintenance_window: \(problem)")
        }
        let settings = try body.settings
        try await store { try await services.fleet.setSettings(settings, of: site.id) }
        try await audit(context, "site.settings_changed", target: "site:\(site.id)", site: site.id)
        return settings
    }

    func enrolledAppliance(_ context: AppRequestContext) async throws -> Appliance {
        guard let appliance = context.appliance else { throw HTTPError(.unauthorized) }
        return appliance
    }

    func visibleHost(_ context: AppRequestContext) async throws -> ManagedHost {
        let id = try parameter("host", context) { try ManagedHost.ID($0) }
        guard let host = try await store({ try await services.tenancy.host(id) }),
            let partner = try await partner(ofSite: host.siteID), try Self.principal(context).mayAccess(partner)
        else { throw HTTPError(.notFound, message: "host \(id) not found") }
        return host
    }
}
