import CentralCommand
import Compliance
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import TestSupport
import Testing
import VigilAPI

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let current = Mutex(CentralHTTPTests.now)
    var now: Timestamp { current.withLock { $0 } }
    func advance(seconds: Int64) { current.withLock { $0 = $0.adding(milliseconds: seconds * 1000) } }
}

/// Operator login over HTTP: sessions, CSRF, lockout, TOTP, roles and user management.
@Suite struct AccountHTTPTests {
    let store = InMemoryStore()
    let audit = InMemorySecurityEventSink()
    let clock = TestClock()

    func services() -> CentralServices {
        let clock = self.clock
        return CentralServices.memory(store, events: audit, clock: { clock.now })
    }

    func app() -> some ApplicationProtocol { Application(router: buildRouter(services: services())) }

    /// Creates a user directly through the service; returns the one-time password.
    func makeUser(
        _ email: String, role: Role = .admin, partner: Partner.ID? = nil
    ) async throws -> (user: User, password: String) {
        try await services().accountService.createUser(
            by: .platform, actor: "test", email: email, displayName: "Test user", role: role, partner: partner)
    }

    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]

    struct Login {
        var cookie: String
        var csrf: String
        var setCookie: String
    }

    func login(
        _ client: some TestClientProtocol, _ email: String, _ password: String, totp: String? = nil,
        expect status: HTTPResponse.Status = .ok
    ) async throws -> Login? {
        try await client.execute(
            uri: "/api/v1/auth/login", method: .post, headers: Self.jsonHeaders,
            body: ByteBuffer(
                bytes: try JSONEncoder().encode(LoginRequest(email: email, password: password, totpCode: totp)))
        ) { response in
            #expect(response.status == status, "\(CentralHTTPTests.message(response))")
            guard response.status == .ok else { return nil }
            let info = try JSONDecoder().decode(SessionInfo.self, from: Data(response.body.readableBytesView))
            let setCookie = response.headers[.setCookie] ?? ""
            let pair = setCookie.split(separator: ";").first.map(String.init) ?? ""
            return Login(cookie: pair, csrf: info.csrfToken, setCookie: setCookie)
        }
    }

    static func headers(_ login: Login, csrf: Bool = true, origin: String? = nil) -> HTTPFields {
        var fields: HTTPFields = [.cookie: login.cookie, .contentType: "application/json"]
        if csrf { fields[HTTPField.Name("X-CSRF-Token").unsafelyUnwrapped] = login.csrf }
        if let origin { fields[.origin] = origin }
        return fields
    }

    static func body(_ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONEncoder().encode(value))
    }

    @Test func loginSetsAHardenedCookieAndStateChangesNeedTheCSRFToken() async throws {
        let admin = try await makeUser("ops@example.com")
        try await app().test(.router) { client in
            let login = try #require(try await login(client, "OPS@example.com ", admin.password))
            #expect(login.setCookie.contains("HttpOnly"))
            #expect(login.setCookie.contains("SameSite=Strict"))
            #expect(login.setCookie.contains("Secure"))
            #expect(login.setCookie.contains("Max-Age=43200"))
            try await client.execute(uri: "/api/v1/partners", method: .get, headers: Self.headers(login, csrf: false)) {
                #expect($0.status == .ok)
            }
            let create = try Self.body(CreatePartner(name: "Alpha MSP"))
            try await client.execute(
                uri: "/api/v1/partners", method: .post, headers: Self.headers(login, csrf: false), body: create
            ) { response in
                #expect(response.status == .forbidden)
                #expect(CentralHTTPTests.message(response).contains("X-CSRF-Token"))
            }
            var forged = Self.headers(login, csrf: false)
            forged[HTTPField.Name("X-CSRF-Token").unsafelyUnwrapped] = String(repeating: "0", count: 64)
            try await client.execute(uri: "/api/v1/partners", method: .post, headers: forged, body: create) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(
                uri: "/api/v1/partners", method: .post, headers: Self.headers(login, origin: "https://evil.example"),
                body: create
            ) { #expect($0.status == .forbidden) }
            #expect(try await store.partners().isEmpty)
            try await client.execute(uri: "/api/v1/partners", method: .post, headers: Self.headers(login), body: create)
            {
                #expect($0.status == .created)
            }
            try await client.execute(uri: "/api/v1/auth/session", method: .get, headers: Self.headers(login)) {
                response in
                let info = try JSONDecoder().decode(SessionInfo.self, from: Data(response.body.readableBytesView))
                #expect(info.user.email == "ops@example.com")
                #expect(info.csrfToken == login.csrf)
            }
        }
        let actions = await audit.entries.map(\.action)
        #expect(actions.contains("auth.login"))
    }

    @Test func sessionsLiveInTheStoreSoAnotherInstanceAcceptsThemUntilLogout() async throws {
        let admin = try await makeUser("ops@example.com")
        let first: Login? = try await app().test(.router) { client in
            try await self.login(client, "ops@example.com", admin.password)
        }
        let session = try #require(first)
        // A second router over the same store stands for a restarted or second instance.
        try await app().test(.router) { client in
            try await client.execute(uri: "/api/v1/partners", method: .get, headers: Self.headers(session)) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/api/v1/auth/logout", method: .post, headers: Self.headers(session)) {
                #expect($0.status == .noContent)
                #expect($0.headers[.setCookie]?.contains("Max-Age=0") == true)
            }
            try await client.execute(uri: "/api/v1/partners", method: .get, headers: Self.headers(session)) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    @Test func sessionsEndWhenIdleOrOld() async throws {
        let admin = try await makeUser("ops@example.com")
        try await app().test(.router) { client in
            let idle = try #require(try await login(client, "ops@example.com", admin.password))
            clock.advance(seconds: 29 * 60)
            try await client.execute(uri: "/api/v1/partners", method: .get, headers: Self.headers(idle)) {
                #expect($0.status == .ok)
            }
            clock.advance(seconds: 31 * 60)
            try await client.execute(uri: "/api/v1/partners", method: .get, headers: Self.headers(idle)) {
                #expect($0.status == .unauthorized)
            }
            let busy = try #require(try await login(client, "ops@example.com", admin.password))
            for _ in 0..<25 {
                clock.advance(seconds: 29 * 60)
                try await client.execute(uri: "/api/v1/partners", method: .get, headers: Self.headers(busy)) { _ in }
            }
            // 12 hours after login the session ends, however busy.
            try await client.execute(uri: "/api/v1/partners", method: .get, headers: Self.headers(busy)) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    @Test func repeatedFailuresLockTheAccountWithTheSameAnswerAsAWrongPassword() async throws {
        let admin = try await makeUser("ops@example.com")
        try await app().test(.router) { client in
            var messages: Set<String> = []
            for _ in 0..<5 {
                try await client.execute(
                    uri: "/api/v1/auth/login", method: .post, headers: Self.jsonHeaders,
                    body: try Self.body(LoginRequest(email: "ops@example.com", password: "wrong password!"))
                ) { response in
                    #expect(response.status == .unauthorized)
                    messages.insert(CentralHTTPTests.message(response))
                }
            }
            // Locked: the right password is refused, with the answer an unknown address gets.
            for email in ["ops@example.com", "nobody@example.com"] {
                try await client.execute(
                    uri: "/api/v1/auth/login", method: .post, headers: Self.jsonHeaders,
                    body: try Self.body(LoginRequest(email: email, password: admin.password))
                ) { response in
                    #expect(response.status == .unauthorized)
                    messages.insert(CentralHTTPTests.message(response))
                }
            }
            #expect(messages.count == 1)
            clock.advance(seconds: 15 * 60 + 1)
            _ = try #require(try await login(client, "ops@example.com", admin.password))
        }
        let actions = await audit.entries.map(\.action)
        #expect(actions.filter { $0 == "auth.login_failed" }.count == 6)
        #expect(actions.contains("auth.locked"))
        #expect(actions.contains("auth.login_refused"))
    }

    @Test func oneAddressSprayingPasswordsOverManyAccountsIsThrottled() async throws {
        let admin = try await makeUser("ops@example.com")
        try await app().test(.router) { client in
            // Four tries each at twenty accounts: no account reaches its own lockout of five.
            for attempt in 0..<LoginThrottle.Policy().failures {
                _ = try await login(client, "user\(attempt % 5)@example.com", "guess \(attempt)", expect: .unauthorized)
            }
            // The address is now throttled: even the right password is not checked.
            try await client.execute(
                uri: "/api/v1/auth/login", method: .post, headers: Self.jsonHeaders,
                body: try Self.body(LoginRequest(email: "ops@example.com", password: admin.password))
            ) { response in
                #expect(response.status == .tooManyRequests)
                #expect(CentralHTTPTests.message(response).contains("too many failed logins"))
                let wait = try #require(response.headers[.retryAfter].flatMap { Int($0) })
                #expect((1...300).contains(wait))
            }
            clock.advance(seconds: 301)
            _ = try #require(try await login(client, "ops@example.com", admin.password))
        }
        // Throttled attempts never reached the accounts.
        #expect(await audit.entries.filter { $0.action == "auth.login_failed" }.count == 20)
    }

    @Test func theThrottleForgetsEndedWindowsAndStaysBounded() {
        let throttle = LoginThrottle(policy: .init(failures: 2, windowSeconds: 60), capacity: 4)
        let start = CentralHTTPTests.now
        throttle.recordFailure("a", at: start)
        #expect(throttle.retryAfter("a", at: start) == nil)
        throttle.recordFailure("a", at: start)
        #expect(throttle.retryAfter("a", at: start.adding(milliseconds: 10_000)) == 50)
        #expect(throttle.retryAfter("b", at: start) == nil)
        throttle.recordSuccess("a")
        #expect(throttle.retryAfter("a", at: start) == nil)
        // More addresses than the capacity: the oldest windows go, the newest stay.
        for index in 0..<10 {
            let at = start.adding(milliseconds: Int64(index) * 1000)
            throttle.recordFailure("host-\(index)", at: at)
            throttle.recordFailure("host-\(index)", at: at)
        }
        #expect(throttle.retryAfter("host-9", at: start.adding(milliseconds: 10_000)) != nil)
        #expect(throttle.retryAfter("host-0", at: start.adding(milliseconds: 10_000)) == nil)
        #expect(throttle.retryAfter("host-9", at: start.adding(milliseconds: 70_000)) == nil)
    }

    @Test func totpIsAskedForOnceConfirmedAndEachCodeWorksOnce() async throws {
        let admin = try await makeUser("ops@example.com")
        try await app().test(.router) { client in
            let session = try #require(try await login(client, "ops@example.com", admin.password))
            let setup = try await client.execute(
                uri: "/api/v1/auth/totp", method: .post, headers: Self.headers(session)
            ) { try JSONDecoder().decode(TOTPSetup.self, from: Data($0.body.readableBytesView)) }
            #expect(setup.otpauthURI.hasPrefix("otpauth://totp/Vigil:ops@example.com?secret=\(setup.secret)"))
            let totp = TOTP(secret: try #require(Base32.decode(setup.secret)))
            let seconds = { clock.now.millisecondsSinceEpoch / 1000 }
            try await client.execute(
                uri: "/api/v1/auth/totp/confirm", method: .post, headers: Self.headers(session),
                body: try Self.body(TOTPConfirm(code: "000000"))
            ) { #expect($0.status == .badRequest) }
            try await client.execute(
                uri: "/api/v1/auth/totp/confirm", method: .post, headers: Self.headers(session),
                body: try Self.body(TOTPConfirm(code: totp.code(step: TOTP.step(at: seconds()))))
            ) { #expect($0.status == .noContent) }
            // The sealed secret in the store is not the secret.
            let stored = try #require(try await store.user(email: "ops@example.com"))
            #expect(stored.sealedTOTPSecret?.contains(setup.secret) == false)
            #expect(stored.totpEnabledAt != nil)

            clock.advance(seconds: 30)
            _ = try await login(client, "ops@example.com", admin.password, expect: .unauthorized)
            let code = totp.code(step: TOTP.step(at: seconds()))
            _ = try #require(try await login(client, "ops@example.com", admin.password, totp: code))
            // The same code again within its 30 seconds: refused.
            _ = try await login(client, "ops@example.com", admin.password, totp: code, expect: .unauthorized)
        }
    }

    @Test func viewersReadButDoNotWriteAndPasswordChangesEndSessions() async throws {
        let viewer = try await makeUser("auditor@example.com", role: .viewer)
        try await app().test(.router) { client in
            let session = try #require(try await login(client, "auditor@example.com", viewer.password))
            try await client.execute(uri: "/api/v1/partners", method: .get, headers: Self.headers(session)) {
                #expect($0.status == .ok)
            }
            try await client.execute(
                uri: "/api/v1/partners", method: .post, headers: Self.headers(session),
                body: try Self.body(CreatePartner(name: "Nope"))
            ) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/v1/users", method: .get, headers: Self.headers(session)) {
                #expect($0.status == .forbidden)
            }
            for (current, new, status) in [
                ("wrong-current-password", "a much better passphrase", HTTPResponse.Status.forbidden),
                (viewer.password, "short", .badRequest),
                (viewer.password, String(repeating: "é", count: 40), .badRequest),
                (viewer.password, "a much better passphrase", .noContent),
            ] {
                try await client.execute(
                    uri: "/api/v1/auth/password", method: .post, headers: Self.headers(session),
                    body: try Self.body(ChangePassword(currentPassword: current, newPassword: new))
                ) { #expect($0.status == status, "\(new)") }
            }
            try await client.execute(uri: "/api/v1/partners", method: .get, headers: Self.headers(session)) {
                #expect($0.status == .unauthorized)
            }
            _ = try await login(client, "auditor@example.com", viewer.password, expect: .unauthorized)
            _ = try #require(try await login(client, "auditor@example.com", "a much better passphrase"))
        }
    }

    @Test func partnerAdminsManageTheirOwnUsersOnly() async throws {
        for name in ["a", "b"] {
            try await store.create(Partner(id: try Partner.ID("partner-\(name)"), name: "MSP \(name)"))
        }
        let adminA = try await makeUser("admin@a.example", partner: try Partner.ID("partner-a"))
        let userB = try await makeUser("tech@b.example", role: .technician, partner: try Partner.ID("partner-b"))
        try await app().test(.router) { client in
            let session = try #require(try await login(client, "admin@a.example", adminA.password))
            let created = try await client.execute(
                uri: "/api/v1/users", method: .post, headers: Self.headers(session),
                body: try Self.body(
                    CreateUser(email: "Tech@A.example", displayName: "Tech", role: "technician", partnerID: "partner-a")
                )
            ) { response in
                #expect(response.status == .created)
                return try JSONDecoder().decode(UserCreated.self, from: Data(response.body.readableBytesView))
            }
            #expect(created.user.email == "tech@a.example")
            #expect(created.password.count == 20)
            for (body, status) in [
                (CreateUser(email: "x@b.example", displayName: "X", role: "admin", partnerID: "partner-b"), 404),
                (CreateUser(email: "x@platform.example", displayName: "X", role: "admin"), 403),
                (CreateUser(email: "x@a.example", displayName: "X", role: "root", partnerID: "partner-a"), 400),
                (CreateUser(email: "not-an-address", displayName: "X", role: "viewer", partnerID: "partner-a"), 400),
                (CreateUser(email: "tech@a.example", displayName: "X", role: "viewer", partnerID: "partner-a"), 409),
            ] {
                try await client.execute(
                    uri: "/api/v1/users", method: .post, headers: Self.headers(session), body: try Self.body(body)
                ) { #expect($0.status.code == status, "\(body)") }
            }
            try await client.execute(uri: "/api/v1/users", method: .get, headers: Self.headers(session)) { response in
                let users = try JSONDecoder().decode([UserInfo].self, from: Data(response.body.readableBytesView))
                #expect(users.map(\.email) == ["admin@a.example", "tech@a.example"])
            }
            try await client.execute(
                uri: "/api/v1/users?partner=partner-b", method: .get, headers: Self.headers(session)
            ) {
                #expect($0.status == .notFound)
            }
            try await client.execute(
                uri: "/api/v1/users/\(userB.user.id)", method: .delete, headers: Self.headers(session)
            ) {
                #expect($0.status == .notFound)
            }
            try await client.execute(
                uri: "/api/v1/users/\(adminA.user.id)", method: .delete, headers: Self.headers(session)
            ) {
                #expect($0.status == .conflict)
            }
            let tech = try #require(try await login(client, "tech@a.example", created.password))
            try await client.execute(
                uri: "/api/v1/users/\(created.user.id)", method: .delete, headers: Self.headers(session)
            ) {
                #expect($0.status == .noContent)
            }
            try await client.execute(uri: "/api/v1/partners", method: .get, headers: Self.headers(tech)) {
                #expect($0.status == .unauthorized)
            }
            _ = try await login(client, "tech@a.example", created.password, expect: .unauthorized)
        }
        #expect(try await store.user(userB.user.id)?.disabledAt == nil)
    }

    @Test func brokenAndHostileLoginsGetA4xxAndChangeNothing() async throws {
        _ = try await makeUser("ops@example.com")
        try await app().test(.router) { client in
            let bodies: [(String, HTTPResponse.Status)] = [
                ("{", .badRequest),
                ("[]", .badRequest),
                (#"{"email":"ops@example.com"}"#, .badRequest),
                (#"{"email":"ops@example.com","password":"x","password":"y"}"#, .badRequest),
                (#"{"email":"' OR 1=1 --","password":"' OR '1'='1"}"#, .unauthorized),
                (#"{"email":"ops@example.com","password":"\#(String(repeating: "x", count: 5000))"}"#, .unauthorized),
                (#"{"email":"ops@example.com","password":"x\u0000"}"#, .unauthorized),
            ]
            for (body, status) in bodies {
                try await client.execute(
                    uri: "/api/v1/auth/login", method: .post, headers: Self.jsonHeaders, body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == status, "\(body.prefix(60))")
                    #expect(!CentralHTTPTests.message(response).isEmpty)
                    #expect(response.headers[.setCookie] == nil)
                }
            }
            try await client.execute(
                uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "text/plain"],
                body: ByteBuffer(string: "{}")
            ) { #expect($0.status == .unsupportedMediaType) }
            for cookie in ["vigil_session=", "vigil_session=zz", "vigil_session=\(String(repeating: "a", count: 64))"] {
                try await client.execute(uri: "/api/v1/partners", method: .get, headers: [.cookie: cookie]) {
                    #expect($0.status == .unauthorized)
                }
            }
        }
        #expect(await store.sessionCount == 0)
    }

    @Test func apiKeysAreListedWithoutTokensAndRevokedWithinTheTenantOnly() async throws {
        let (platformToken, platformKey) = APIKeyTokens.generate(
            partner: nil, name: "platform", at: CentralHTTPTests.now)
        try await store.create(platformKey)
        try await app().test(.router) { client in
            let a = try await TenancyHTTPTests().tenant(client, platform: platformToken, name: "Alpha")
            let b = try await TenancyHTTPTests().tenant(client, platform: platformToken, name: "Beta")
            let keys = try await client.execute(
                uri: "/api/v1/partners/\(a.partner)/api-keys", method: .get, headers: TenancyHTTPTests.auth(a.token)
            ) { response in
                #expect(!String(buffer: response.body).contains(String(a.token.suffix(64))))
                return try JSONDecoder().decode([APIKeyInfo].self, from: Data(response.body.readableBytesView))
            }
            #expect(keys.count == 1)
            let keyB = try #require(APIKeyTokens.parse(b.token)?.id)
            try await client.execute(
                uri: "/api/v1/api-keys/\(keyB)", method: .delete, headers: TenancyHTTPTests.auth(a.token)
            ) {
                #expect($0.status == .notFound)
            }
            try await client.execute(
                uri: "/api/v1/api-keys/\(platformKey.id)", method: .delete, headers: TenancyHTTPTests.auth(a.token)
            ) {
                #expect($0.status == .notFound)
            }
            try await client.execute(
                uri: "/api/v1/api-keys/\(keyB)", method: .delete, headers: TenancyHTTPTests.auth(platformToken)
            ) {
                #expect($0.status == .noContent)
            }
            try await client.execute(uri: "/api/v1/partners", method: .get, headers: TenancyHTTPTests.auth(b.token)) {
                #expect($0.status == .unauthorized)
            }
        }
    }
}
