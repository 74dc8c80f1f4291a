import Compliance
import EvidenceCrypto
import Foundation
import HTTPTypes
import Hummingbird
import VigilAPI

/// Verifies the request signature of every appliance call (`ApplianceRequestSigning`): the
/// appliance is enrolled, the timestamp is within five minutes, the Ed25519 signature over method,
/// path, time, nonce and body hash verifies with the appliance's registered key, and the nonce has
/// never been used. Anything else is 401 with a message that says which check failed.
struct ApplianceAuthenticator: RouterMiddleware {
    typealias Context = AppRequestContext

    let tenancy: any TenancyStore
    let nonces: any NonceStore
    let clock: @Sendable () -> Timestamp
    /// Enrolled appliances by ID. A rotated key is seen at once by a signature the cached key
    /// refuses; a retired key keeps working on other instances for at most the TTL.
    let appliances: TTLCache<Appliance.ID, Appliance>

    init(
        tenancy: any TenancyStore, nonces: any NonceStore, cacheSeconds: Int64,
        clock: @escaping @Sendable () -> Timestamp
    ) {
        self.tenancy = tenancy
        self.nonces = nonces
        self.clock = clock
        self.appliances = TTLCache(ttlSeconds: cacheSeconds)
    }

    /// Drops the cached record of `appliance` (after its key changed on this instance).
    func forget(_ appliance: Appliance.ID) async {
        await appliances.remove(appliance)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var request = request
        var context = context
        func header(_ name: String) throws -> String {
            guard let field = HTTPField.Name(name), let value = request.headers[field], !value.isEmpty else {
                throw HTTPError(.unauthorized, message: "missing \(name) header: appliance requests must be signed")
            }
            return value
        }
        let applianceText = try header(ApplianceRequestSigning.applianceHeader)
        let timestampText = try header(ApplianceRequestSigning.timestampHeader)
        let nonce = try header(ApplianceRequestSigning.nonceHeader)
        let signatureText = try header(ApplianceRequestSigning.signatureHeader)
        guard let applianceID = try? Appliance.ID(applianceText) else {
            throw HTTPError(
                .unauthorized, message: "\(ApplianceRequestSigning.applianceHeader) is not a valid appliance ID")
        }
        guard let timestamp = Int64(timestampText) else {
            throw HTTPError(.unauthorized, message: "\(ApplianceRequestSigning.timestampHeader) must be Unix seconds")
        }
        guard ApplianceRequestSigning.isValidNonce(nonce) else {
            throw HTTPError(
                .unauthorized,
                message: "\(ApplianceRequestSigning.nonceHeader) must be 16–64 characters of A–Z a–z 0–9 _ -")
        }
        guard let signature = Base64.decode(signatureText), signature.count == 64 else {
            throw HTTPError(
                .unauthorized,
                message: "\(ApplianceRequestSigning.signatureHeader) must be base64 of a 64-byte Ed25519 signature")
        }
        let now = clock()
        let skew = timestamp - now.millisecondsSinceEpoch / 1000
        guard abs(skew) <= ApplianceRequestSigning.maximumSkewSeconds else {
            throw HTTPError(
                .unauthorized,
                message:
                    "request timestamp is \(skew) s from the server's clock (limit ±\(ApplianceRequestSigning.maximumSkewSeconds) s); check the appliance's time"
            )
        }
        let appliance: Appliance?
        do {
            appliance = try await appliances.value(applianceID, now: now) { () async throws(StoreError) in
                try await tenancy.appliance(applianceID)
            }
        } catch {
            throw HTTPError(.serviceUnavailable, message: "storage unavailable")
        }
        guard var appliance, let key = try? VerifyingKey(text: appliance.publicKey) else {
            throw HTTPError(.unauthorized, message: "appliance \(applianceID) is not enrolled")
        }
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        let bodyHash = body.withUnsafeReadableBytes { Hash32.sha256($0) }
        let message = ApplianceRequestSigning.message(
            method: request.method.rawValue, path: request.head.path ?? "", timestamp: timestamp, nonce: nonce,
            bodySHA256Hex: bodyHash.hex)
        if !key.isValidSignature(signature, for: message) {
            // The cached key may predate a key rotation (ADR 0012): read the record once more.
            let fresh: Appliance?
            do {
                fresh = try await tenancy.appliance(applianceID)
            } catch {
                throw HTTPError(.serviceUnavailable, message: "storage unavailable")
            }
            guard let fresh, fresh.publicKey != appliance.publicKey,
                let freshKey = try? VerifyingKey(text: fresh.publicKey),
                freshKey.isValidSignature(signature, for: message)
            else {
                throw HTTPError(
                    .unauthorized, message: "request signature does not verify with appliance \(applianceID)'s key")
            }
            await appliances.store(fresh, for: applianceID, now: now)
            appliance = fresh
        }
        let fresh: Bool
        do {
            fresh = try await nonces.claim(nonce, appliance: applianceID, at: now)
        } catch {
            throw HTTPError(.serviceUnavailable, message: "storage unavailable")
        }
        guard fresh else { throw HTTPError(.unauthorized, message: "replayed request: this nonce was used before") }
        context.applianceID = applianceID
        context.appliance = appliance
        return try await next(request, context)
    }
}
