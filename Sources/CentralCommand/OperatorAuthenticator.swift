import Compliance
import Foundation
import HTTPTypes
import Hummingbird

/// Authenticates operator and partner API calls, by API key (`Authorization: Bearer vigil_…`) or
/// by session cookie (`vigil_session`, from `POST /api/v1/auth/login`).
///
/// - Unknown, malformed, expired and revoked credentials get the same 401, so the answer reveals
///   nothing about which keys or sessions exist.
/// - Cookie requests that change state must carry the session's CSRF token in `X-CSRF-Token`,
///   and a cross-site `Origin` is refused: a page on another site cannot act for the operator.
/// - Viewers may only read; changing their own password and TOTP (`/api/v1/auth/…`) is allowed.
struct OperatorAuthenticator: RouterMiddleware {
    typealias Context = AppRequestContext

    let keys: any APIKeyStore
    let accounts: AccountService
    let clock: @Sendable () -> Timestamp

    /// The header a session's state-changing requests carry (a constant, valid field name).
    static let csrfHeader = HTTPField.Name("X-CSRF-Token").unsafelyUnwrapped

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer ") else {
                throw HTTPError(.unauthorized, message: "send an API key: Authorization: Bearer vigil_…")
            }
            let key = try await apiKey(String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces))
            context.principal = key.principal
            context.role = .admin
            context.actor = "key:\(key.id)"
        } else if let token = Self.cookie(SessionTokens.cookieName, in: request) {
            let user: User
            do {
                user = try await accounts.authenticate(token: token).user
            } catch .storage {
                throw HTTPError(.serviceUnavailable, message: "storage unavailable")
            } catch {
                throw HTTPError(.unauthorized, message: "the session has ended; log in again")
            }
            if !Self.isSafe(request.method) {
                try Self.checkSameOrigin(request)
                guard let sent = request.headers[Self.csrfHeader],
                    RandomSecrets.constantTimeEqual(sent, SessionTokens.csrf(for: token))
                else {
                    throw HTTPError(.forbidden, message: "send the session's CSRF token in X-CSRF-Token")
                }
            }
            context.principal = user.principal
            context.role = user.role
            context.actor = "user:\(user.id)"
            context.user = user
        } else {
            throw HTTPError(.unauthorized, message: "log in, or send an API key: Authorization: Bearer vigil_…")
        }
        if context.role == .viewer, !Self.isSafe(request.method), !request.uri.path.hasPrefix("/api/v1/auth/") {
            throw HTTPError(.forbidden, message: "the viewer role may read but not change anything")
        }
        return try await next(request, context)
    }

    private func apiKey(_ token: String) async throws -> APIKey {
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
        return key
    }

    static func isSafe(_ method: HTTPRequest.Method) -> Bool { [.get, .head, .options].contains(method) }

    /// When the browser names the page's origin, it must be this server's.
    static func checkSameOrigin(_ request: Request) throws {
        guard let origin = request.headers[.origin] else { return }
        let host = request.head.authority ?? ""
        guard let url = URL(string: origin), let originHost = url.host else {
            throw HTTPError(.forbidden, message: "cross-site request refused")
        }
        let originAuthority = url.port.map { "\(originHost):\($0)" } ?? originHost
        guard originAuthority.lowercased() == host.lowercased() else {
            throw HTTPError(.forbidden, message: "cross-site request refused")
        }
    }

    /// The value of cookie `name`, when the request carries it.
    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }
}
