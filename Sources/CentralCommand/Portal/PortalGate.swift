import Compliance
import HTTPTypes
import Hummingbird
import Views

/// Guards the client portal's pages as `WebSession` guards the operators': the portal cookie
/// must name a live portal session (else a redirect to `/portal/login`), and a POST must come
/// from this origin with the session's CSRF token. Operator sessions mean nothing here, and
/// portal sessions nothing on operator pages: separate cookies, tables and middleware.
struct PortalGate: RouterMiddleware {
    typealias Context = AppRequestContext

    let portal: PortalService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        try await WebSession.guarded { try await authenticated(request, context: context, next: next) }
    }

    private func authenticated(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        guard let token = OperatorAuthenticator.cookie(PortalService.cookieName, in: request),
            let contact = try await contact(for: token)
        else {
            guard OperatorAuthenticator.isSafe(request.method) else {
                throw HTTPError(.unauthorized, message: "Your session has ended. Ask for a new login link.")
            }
            return WebSession.redirect("/portal/login")
        }
        context.portalContact = contact
        context.sessionToken = token
        context.actor = "contact:\(contact.id)"
        if !OperatorAuthenticator.isSafe(request.method) {
            context.form = try await WebSession.checkedForm(request, context: context, token: token)
        }
        return try await next(request, context)
    }

    private func contact(for token: String) async throws -> PortalContact? {
        do {
            return try await portal.authenticate(token: token)
        } catch .storage {
            throw HTTPError(.serviceUnavailable, message: "Storage is unavailable; try again shortly.")
        } catch {
            return nil
        }
    }
}
