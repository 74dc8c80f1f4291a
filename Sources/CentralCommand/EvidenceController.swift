import Compliance
import EvidenceCrypto
import Foundation
import HTTPTypes
import Hummingbird
import VigilAPI

/// Evidence listings, "state of check C on host H at T" with proof, framework scores and the
/// framework registry, all tenant-scoped.
struct EvidenceController: APIController {
    let services: CentralServices
    let tenancy: TenancyController
    let queries: EvidenceQueries

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("frameworks") { _, _ in
            try JSONResponse.make(Framework.allCases.map { FrameworkInfo(framework: $0, catalog: .builtin) })
        }
        api.get("sites/:site/evidence") { request, context in
            let site = try await tenancy.visibleSite(context)
            let query = request.uri.queryParameters
            let from = try Self.time(query, "from", default: Timestamp(millisecondsSinceEpoch: 0))
            let to = try Self.time(query, "to", default: services.clock().adding(milliseconds: 1))
            let limit =
                try Self.limit(query["limit"], in: 1...10_000, default: 1000)
            let host = try query["host"].map { text in try Self.host(String(text)) }
            let check = try query["check"].map { text in try Self.check(String(text)) }
            var bundles: [StoredBundle]
            if let host {
                bundles = try await store {
                    try await services.evidence.bundles(
                        site: site.id, host: host, atOrBefore: to.adding(milliseconds: -1), offset: 0, limit: limit)
                }
                bundles = bundles.filter { $0.observedAt >= from }.reversed()
            } else {
                bundles = try await store {
                    try await services.evidence.bundles(site: site.id, from: from, to: to, limit: limit)
                }
            }
            if let check { bundles = bundles.filter { EvidenceQueries.contains($0, check: check) } }
            return try JSONResponse.make(
                bundles.map {
                    EvidenceSummary(
                        bundleID: $0.bundleID.rawValue, applianceID: $0.applianceID.rawValue, sequence: $0.sequence,
                        hostID: $0.hostID.rawValue, observedAt: $0.observedAt.description, hash: $0.hash.hex)
                })
        }
        api.get("sites/:site/state") { request, context in
            let site = try await tenancy.visibleSite(context)
            let query = request.uri.queryParameters
            guard let hostText = query["host"], let checkText = query["check"] else {
                throw HTTPError(.badRequest, message: "give host= and check= (and at=, default now)")
            }
            let host = try Self.host(String(hostText))
            let check = try Self.check(String(checkText))
            let at = try Self.time(query, "at", default: services.clock())
            guard
                let proof = try await store({ try await queries.state(site: site.id, host: host, check: check, at: at) }
                )
            else {
                throw HTTPError(
                    .notFound,
                    message: "no evidence of \(check) on host \(host) at or before \(at): its state is unknown")
            }
            return try JSONResponse.make(proof)
        }
        // Export: one appliance's chain in order, exactly as signed, page by page, and the
        // latest checkpoint Central Command cosigned for it (`vigil evidence export`).
        api.get("sites/:site/appliances/:appliance/evidence") { request, context in
            let appliance = try await visibleAppliance(context)
            let query = request.uri.queryParameters
            let after =
                try query["after"].map { text -> Int64 in
                    guard let value = Int64(text), value >= 0 else {
                        throw HTTPError(.badRequest, message: "after must be a sequence number (0 or more)")
                    }
                    return value
                } ?? 0
            let limit =
                try Self.limit(query["limit"], in: 1...5000, default: 1000)
            let bundles = try await store {
                try await services.evidence.bundles(appliance: appliance.id, after: after, limit: limit)
            }
            return try JSONResponse.make(
                bundles.map {
                    ProvingBundle(
                        bundleID: $0.bundleID.rawValue, applianceID: $0.applianceID.rawValue, sequence: $0.sequence,
                        hash: $0.hash.hex, canonicalBytes: Base64.encode($0.canonicalBytes),
                        signature: Base64.encode($0.signature))
                })
        }
        api.get("sites/:site/appliances/:appliance/checkpoint") { _, context in
            let appliance = try await visibleAppliance(context)
            guard let stored = try await store({ try await services.checkpoints.latestCheckpoint(of: appliance.id) })
            else {
                throw HTTPError(.notFound, message: "appliance \(appliance.id) has no cosigned checkpoint yet")
            }
            let witness = CheckpointWitness(
                tenancy: services.tenancy, checkpoints: services.checkpoints, events: services.events,
                identity: services.identity, clock: services.clock)
            let answer: CosignedCheckpoint
            do throws(CheckpointError) {
                answer = try witness.answer(stored)
            } catch {
                throw error.httpError
            }
            return try JSONResponse.make(answer)
        }
        api.get("sites/:site/scores") { request, context in
            let site = try await tenancy.visibleSite(context)
            let at = try Self.time(request.uri.queryParameters, "at", default: services.clock())
            let scores = try await store { try await queries.scores(site: site.id, at: at) }
            return try JSONResponse.make(
                scores.map {
                    FrameworkScore(siteID: site.id.rawValue, at: at.description, score: $0, includeControls: false)
                })
        }
        api.get("sites/:site/scores/:framework") { request, context in
            let site = try await tenancy.visibleSite(context)
            guard let framework = context.parameters.get("framework").flatMap(Framework.init(rawValue:)) else {
                throw HTTPError(
                    .notFound,
                    message: "framework must be one of \(Framework.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let at = try Self.time(request.uri.queryParameters, "at", default: services.clock())
            let scores = try await store { try await queries.scores(site: site.id, at: at, frameworks: [framework]) }
            guard let score = scores.first else { throw HTTPError(.notFound, message: "no score") }
            return try JSONResponse.make(
                FrameworkScore(siteID: site.id.rawValue, at: at.description, score: score, includeControls: true))
        }
    }

    /// The appliance named in the path, which must belong to the visible site.
    func visibleAppliance(_ context: AppRequestContext) async throws -> Appliance {
        let site = try await tenancy.visibleSite(context)
        guard let text = context.parameters.get("appliance"), let id = try? Appliance.ID(text),
            let appliance = try await store({ try await services.tenancy.appliance(id) }), appliance.siteID == site.id
        else {
            throw HTTPError(.notFound, message: "no such appliance at site \(site.id)")
        }
        return appliance
    }

    static func time(_ query: Parameters, _ name: String, default value: Timestamp) throws -> Timestamp {
        guard let text = query[name[...]] else { return value }
        do {
            return try Timestamp(parsing: String(text))
        } catch {
            throw HTTPError(.badRequest, message: "\(name): \(error.description)")
        }
    }

    static func host(_ text: String) throws -> ManagedHost.ID {
        guard let host = try? ManagedHost.ID(text) else {
            throw HTTPError(.badRequest, message: "host must be a host ID (1–128 of A–Z a–z 0–9 . _ : -)")
        }
        return host
    }

    static func check(_ text: String) throws -> CheckID {
        guard let check = try? CheckID(text) else {
            throw HTTPError(.badRequest, message: "check \(String(reflecting: text)) is not a check ID")
        }
        return check
    }
}
