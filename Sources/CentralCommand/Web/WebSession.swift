import Compliance
import HTTPTypes
import Hummingbird
import Views

/// Guards the operator's web pages: the session cookie must name a live session (a page asked
/// for without one redirects to `/login?next=…`); a form that changes something must come from
/// this server's own origin and carry the session's CSRF token in `_csrf`; viewers may look but
/// not change. Every answer is HTML, errors included, with headers that keep the pages out of
/// frames, caches and other sites' scripts.
struct WebSession: RouterMiddleware {
    typealias Context = AppRequestContext

    let accounts: AccountService

    /// The headers every page carries: no inline script or style, no framing, nothing cached.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy:
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        .xContentTypeOptions: "nosniff",
        .cacheControl: "no-store",
        HTTPField.Name("Referrer-Policy").unsafelyUnwrapped: "same-origin",
        HTTPField.Name("X-Frame-Options").unsafelyUnwrapped: "DENY",
    ]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        try await Self.guarded { try await authenticated(request, context: context, next: next) }
    }

    /// `body`'s answer with the pages' security headers; a refusal as an HTML error page.
    static func guarded(_ body: () async throws -> Response) async throws -> Response {
        do {
            var response = try await body()
            for field in securityHeaders where response.headers[field.name] == nil {
                response.headers.append(field)
            }
            return response
        } catch let error as HTTPError {
            return errorPage(error)
        }
    }

    /// The form of a state-changing request: from this origin, with the CSRF token of the
    /// session `token` in `_csrf`; 403 otherwise.
    static func checkedForm(_ request: Request, context: Context, token: String) async throws -> WebForm {
        try OperatorAuthenticator.checkSameOrigin(request)
        let form = try await WebForm.read(request, context: context)
        guard let sent = form["_csrf"], RandomSecrets.constantTimeEqual(sent, SessionTokens.csrf(for: token)) else {
            throw HTTPError(
                .forbidden,
                message: "This form is out of date or came from another site. Reload the page and try again.")
        }
        return form
    }

    private func authenticated(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        guard let token = OperatorAuthenticator.cookie(SessionTokens.cookieName, in: request),
            let user = try await user(for: token)
        else {
            guard OperatorAuthenticator.isSafe(request.method) else {
                throw HTTPError(.unauthorized, message: "Your session has ended. Log in again, then repeat the change.")
            }
            return Self.redirect("/login?next=" + Self.queryEscaped(LocalPath.checked(request.uri.string)))
        }
        context.principal = user.principal
        context.role = user.role
        context.actor = "user:\(user.id)"
        context.user = user
        context.sessionToken = token
        if !OperatorAuthenticator.isSafe(request.method) {
            let form = try await Self.checkedForm(request, context: context, token: token)
            if user.role == .viewer, request.uri.path != "/logout" {
                throw HTTPError(.forbidden, message: "The viewer role may look but not change anything.")
            }
            context.form = form
        }
        return try await next(request, context)
    }

    private func user(for token: String) async throws -> User? {
        do {
            return try await accounts.authenticate(token: token).user
        } catch .storage {
            throw HTTPError(.serviceUnavailable, message: "Storage is unavailable; try again shortly.")
        } catch {
            return nil
        }
    }

    /// A 303 to `location` (after a form, the browser fetches it with GET).
    static func redirect(_ location: String, cookie: String? = nil) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        if let cookie { response.headers[.setCookie] = cookie }
        for field in securityHeaders { response.headers.append(field) }
        return response
    }

    /// An HTML page for a refused or failed request, with the status it stands for.
    static func errorPage(_ error: HTTPError) -> Response {
        let title =
            switch error.status.code {
            case 400: "That request was not understood"
            case 401: "Please log in"
            case 403: "Not allowed"
            case 404: "Not found"
            case 409: "That changed meanwhile"
            case 413: "Too large"
            default: error.status.code >= 500 ? "Something went wrong" : "Refused"
            }
        let message = error.body ?? error.status.reasonPhrase
        return page(ErrorPage(status: error.status.code, title: title, message: message).render(), status: error.status)
    }

    /// `html` as a response.
    static func page(_ html: HTML, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        for field in securityHeaders { headers.append(field) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html.text)))
    }

    /// `text` for a query value: everything but unreserved characters percent-encoded.
    static func queryEscaped(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF".utf8)
                out += "%"
                out.unicodeScalars.append(Unicode.Scalar(digits[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(digits[Int(byte & 0x0F)]))
            }
        }
        return out
    }
}
