extension LoginPage {
    /// The login form. No CSRF token exists before a session; the route refuses a cross-site
    /// `Origin` instead, and the session cookie is SameSite=Strict.
    public func render() -> HTML {
        let problem: HTML? = self.problem.map { "<p class=\"alert\" role=\"alert\">\($0)</p>" }
        let totp: HTML? =
            askTOTP
            ? """
            <label for="totp">Authenticator code</label>
            <input id="totp" name="totp" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required>
            """ : nil
        return Layout.document(
            title: "Log in",
            """
            <main id="main"><div class="card">
            <h1>Log in to Vigil</h1>
            \(problem)
            <form method="post" action="/login">
            <input type="hidden" name="next" value="\(next)">
            <label for="email">Email</label>
            <input id="email" name="email" type="email" autocomplete="username" value="\(email)" required>
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required>
            \(totp)
            <p><button type="submit">Log in</button></p>
            </form>
            <p class="muted">Practice contacts: use the link from your email.</p>
            </div></main>
            """)
    }
}
