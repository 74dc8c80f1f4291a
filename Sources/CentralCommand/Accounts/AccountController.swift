import Compliance
import Foundation
import HTTPTypes
import Hummingbird
import VigilAPI

/// Login, logout, the current session, password and TOTP changes, and user management.
struct AccountController: APIController {
    let services: CentralServices
    let accounts: AccountService

    /// `POST /api/v1/auth/login`, the one operator route without prior authentication.
    func registerLogin(on router: Router<AppRequestContext>) {
        router.post("/api/v1/auth/login") { request, context in
            let throttle = services.loginThrottle
            let address = context.remoteAddress ?? "unknown"
            if let wait = throttle.retryAfter(address, at: services.clock()) {
                services.metrics.increment("vigil_logins_total", [("result", "throttled")])
                throw HTTPError(
                    .tooManyRequests, headers: [.retryAfter: String(wait)],
                    message: "too many failed logins from this address; try again in \(wait) s")
            }
            let body = try await JSONRequest.decode(LoginRequest.self, from: request, context: context)
            let login: LoginSession
            do throws(AccountError) {
                login = try await accounts.login(email: body.email, password: body.password, totpCode: body.totpCode)
            } catch {
                let result = error == .totpRequired ? "totp_required" : "failed"
                if error == .loginFailed { throttle.recordFailure(address, at: services.clock()) }
                services.metrics.increment("vigil_logins_total", [("result", result)])
                throw error.httpError
            }
            throttle.recordSuccess(address)
            services.metrics.increment("vigil_logins_total", [("result", "success")])
            var response = try JSONResponse.make(
                SessionInfo(
                    user: UserInfo(login.user), csrfToken: login.csrfToken,
                    expiresAt: login.session.expiresAt.description))
            response.headers[.setCookie] = cookie(login.token, maxAge: services.accountPolicy.sessionSeconds)
            response.headers[.cacheControl] = "no-store"
            return response
        }
    }

    func register(on api: RouterGroup<AppRequestContext>) {
        api.post("auth/logout") { request, _ in
            if let token = OperatorAuthenticator.cookie(SessionTokens.cookieName, in: request) {
                do throws(AccountError) {
                    try await accounts.logout(token: token)
                } catch {
                    throw error.httpError
                }
            }
            var response = Response(status: .noContent)
            response.headers[.setCookie] = cookie("", maxAge: 0)
            return response
        }
        api.get("auth/session") { request, context in
            let user = try Self.sessionUser(context)
            let token = OperatorAuthenticator.cookie(SessionTokens.cookieName, in: request) ?? ""
            let session = try await store { try await services.accounts.session(SessionTokens.hash(token)) }
            return try JSONResponse.make(
                SessionInfo(
                    user: UserInfo(user), csrfToken: SessionTokens.csrf(for: token),
                    expiresAt: session?.expiresAt.description ?? ""))
        }
        api.post("auth/password") { request, context in
            let user = try Self.sessionUser(context)
            let body = try await JSONRequest.decode(ChangePassword.self, from: request, context: context)
            do throws(AccountError) {
                try await accounts.changePassword(of: user, current: body.currentPassword, new: body.newPassword)
            } catch {
                throw error.httpError
            }
            var response = Response(status: .noContent)
            response.headers[.setCookie] = cookie("", maxAge: 0)
            return response
        }
        api.post("auth/totp") { _, context in
            let user = try Self.sessionUser(context)
            let setup: (secret: String, uri: String)
            do throws(AccountError) {
                setup = try await accounts.beginTOTP(for: user)
            } catch {
                throw error.httpError
            }
            var response = try JSONResponse.make(TOTPSetup(secret: setup.secret, otpauthURI: setup.uri))
            response.headers[.cacheControl] = "no-store"
            return response
        }
        api.post("auth/totp/confirm") { request, context in
            let user = try Self.sessionUser(context)
            let body = try await JSONRequest.decode(TOTPConfirm.self, from: request, context: context)
            do throws(AccountError) {
                try await accounts.confirmTOTP(for: user, code: body.code)
            } catch {
                throw error.httpError
            }
            return Response(status: .noContent)
        }
        api.get("users") { request, context in
            try Self.require(.admin, context)
            let partner = try scope(request.uri.queryParameters["partner"].map(String.init), context)
            let users = try await store { try await services.accounts.users(of: partner) }
            return try JSONResponse.make(users.map(UserInfo.init))
        }
        api.post("users") { request, context in
            try Self.require(.admin, context)
            let body = try await JSONRequest.decode(CreateUser.self, from: request, context: context)
            var response = try JSONResponse.make(try await createUser(body, context: context), status: .created)
            response.headers[.cacheControl] = "no-store"
            return response
        }
        api.delete("users/:user") { _, context in
            try Self.require(.admin, context)
            try await disableUser(try parameter("user", context) { try User.ID($0) }, context: context)
            return Response(status: .noContent)
        }
    }

    /// Creates a user in the caller's tenant (or a partner the platform names): the API's and
    /// the users page's one way, so both validate and audit alike.
    func createUser(_ body: CreateUser, context: AppRequestContext) async throws -> UserCreated {
        guard let role = Role(rawValue: body.role) else {
            throw HTTPError(.badRequest, message: "role must be one of admin, technician, viewer")
        }
        let partner = try body.partnerID.map { text -> Partner.ID in
            guard let id = try? Partner.ID(text) else {
                throw HTTPError(.badRequest, message: "partner_id is not valid")
            }
            return id
        }
        if let partner {
            guard try Self.principal(context).mayAccess(partner),
                try await store({ try await services.tenancy.partner(partner) }) != nil
            else { throw HTTPError(.notFound, message: "partner \(partner) not found") }
        }
        let principal = try Self.principal(context)
        do throws(AccountError) {
            let created = try await accounts.createUser(
                by: principal, actor: context.actor ?? "unknown", email: body.email,
                displayName: body.displayName, role: role, partner: partner)
            return UserCreated(user: UserInfo(created.user), password: created.password)
        } catch {
            throw error.httpError
        }
    }

    /// Disables a user the caller may see (never the caller's own account).
    func disableUser(_ id: User.ID, context: AppRequestContext) async throws {
        guard let user = try await store({ try await services.accounts.user(id) }),
            Self.visible(user, to: try Self.principal(context))
        else { throw HTTPError(.notFound, message: "user \(id) not found") }
        guard context.user?.id != user.id else {
            throw HTTPError(.conflict, message: "you cannot disable your own account")
        }
        do throws(AccountError) {
            try await accounts.disable(user, actor: context.actor ?? "unknown")
        } catch {
            throw error.httpError
        }
    }

    /// The partner whose users a listing shows: a partner principal sees its own; the platform
    /// sees platform users, or a partner's with `?partner=`.
    func scope(_ requested: String?, _ context: AppRequestContext) throws -> Partner.ID? {
        let principal = try Self.principal(context)
        switch principal {
        case .partner(let own):
            guard requested == nil || requested == own.rawValue else {
                throw HTTPError(.notFound, message: "partner not found")
            }
            return own
        case .platform:
            return try requested.map { text in
                guard let id = try? Partner.ID(text) else { throw HTTPError(.notFound, message: "partner not found") }
                return id
            }
        }
    }

    static func visible(_ user: User, to principal: Principal) -> Bool {
        guard let partner = user.partnerID else { return principal == .platform }
        return principal.mayAccess(partner)
    }

    static func sessionUser(_ context: AppRequestContext) throws -> User {
        guard let user = context.user else {
            throw HTTPError(.forbidden, message: "this needs a login session, not an API key")
        }
        return user
    }

    /// The operator session cookie.
    func cookie(_ token: String, maxAge: Int64) -> String {
        Self.sessionCookie(SessionTokens.cookieName, path: "/", token: token, maxAge: maxAge, services: services)
    }

    /// A session cookie (operator or portal): HttpOnly (no script reads it), SameSite=Strict (no
    /// cross-site sends), Secure unless turned off for plain HTTP on loopback.
    static func sessionCookie(_ name: String, path: String, token: String, maxAge: Int64, services: CentralServices)
        -> String
    {
        let secure = services.accountPolicy.secureCookies ? "; Secure" : ""
        return "\(name)=\(token); Path=\(path); HttpOnly; SameSite=Strict; Max-Age=\(maxAge)\(secure)"
    }
}

extension AccountError {
    var httpError: HTTPError {
        switch self {
        case .loginFailed, .totpRequired, .unauthenticated: HTTPError(.unauthorized, message: description)
        case .forbidden(let why): HTTPError(.forbidden, message: why)
        case .invalid(let why): HTTPError(.badRequest, message: why)
        case .storage(let error): error.httpError
        }
    }
}
