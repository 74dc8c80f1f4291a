import Compliance
import Foundation
import HTTPTypes
import Hummingbird

/// Authenticates operator and partner API calls by API key (`Authorization: Bearer vigil_…`).
/// Unknown, malformed and revoked keys get the same 401, so the answer reveals nothing about
/// which keys exist.
struct OperatorAuthenticator: RouterMiddleware {
    typealias Context = AppRequestContext

    let keys: any APIKeyStore
    let clock: @Sendable () -> Timestamp

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw HTTPError(.unauthorized, message: "send an API key: Authorization: Bearer vigil_…")
        }
        let token = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        let refused = HTTPError(.unauthorized, message: "API key is not valid")
        guard let (id, secret) = APIKeyTokens.parse(token) else { throw refused }
        let stored: APIKey?
        do {
            stored = try await keys.apiKey(id)
        } catch {
            throw HTTPError(.serviceUnavailable, message: "storage unavailable")
        }
        guard let key = stored, key.revokedAt == nil, APIKeyTokens.matches(secret, key) else { throw refused }
        let now = clock()
        // "Last used" needs minute precision, not a write per request.
        if (key.lastUsedAt?.millisecondsSinceEpoch ?? 0) < now.millisecondsSinceEpoch - 60_000 {
            try? await keys.touch(id, at: now)
        }
        context.principal = key.principal
        return try await next(request, context)
    }
}
