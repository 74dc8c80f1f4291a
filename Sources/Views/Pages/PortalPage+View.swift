import Compliance

extension PortalLoginPage {
    /// The e-mail form, or the "check your e-mail" answer. No session exists yet: the route
    /// refuses a cross-site `Origin` instead of checking a CSRF token.
    public func render() -> HTML {
        let problem: HTML? = self.problem.map { "<p class=\"alert\" role=\"alert\">\($0)</p>" }
        let body: HTML =
            sent
            ? """
            <h1>Check your email</h1>
            <p role="status">If <strong>\(email)</strong> belongs to a practice contact, a login link is on its way. It works once, for 15 minutes.</p>
            <p class="muted">Nothing arrived after a few minutes? Check the spam folder, or <a href="/portal/login">ask for another link</a>.</p>
            """
            : """
            <h1>Your practice's compliance status</h1>
            \(problem)
            <p>Enter the email address your IT provider registered for you. We send a link that logs you in; there is no password.</p>
            <form method="post" action="/portal/login">
            <label for="email">Email</label>
            <input id="email" name="email" type="email" autocomplete="email" value="\(email)" required>
            <p><button type="submit">Email me a login link</button></p>
            </form>
            <p class="muted">IT staff: <a href="/login">operator login</a>.</p>
            """
        return Layout.document(
            title: "Practice portal", "<main id=\"main\"><div class=\"card\">\n\(body)\n</div></main>")
    }
}

extension PortalRedeemPage {
    /// One button: the link is used only when it is pressed.
    public func render() -> HTML {
        Layout.document(
            title: "Log in",
            """
            <main id="main"><div class="card">
            <h1>Log in to your practice portal</h1>
            <form method="post" action="/portal/login/\(token)">
            <p><button type="submit">Continue</button></p>
            </form>
            <p class="muted">This link works once and for 15 minutes after it was sent.</p>
            </div></main>
            """)
    }
}

extension PortalStatusPage {
    public func render() -> HTML {
        let sections = sites.enumerated().map { index, site -> HTML in
            let attention = site.controls.filter { ["fail", "error", "warn"].contains($0.status) }
            let unknown = site.controls.filter { $0.status == "unknown" }
            let passing = site.controls.filter { $0.status == "pass" }
            let groups: [(String, String, [Control])] = [
                ("Needs attention", "Your IT provider has been told and is working on these.", attention),
                ("Not yet known", "No evidence yet: these are not counted as passing.", unknown),
                ("Passing", "Checked and found as they should be.", passing),
            ]
            let parts = groups.compactMap { title, note, controls -> HTML? in
                guard !controls.isEmpty else { return nil }
                return """
                    <h3>\(title) (\(controls.count))</h3>
                    <p class="muted">\(note)</p>
                    \(HTML.join(controls.map(card), separator: "\n"))
                    """
            }
            return """
                <section aria-labelledby="site-\(index)">
                <h2 id="site-\(index)">\(site.name)</h2>
                \(SitePage.Score.table(site.scores))
                \(HTML.join(parts, separator: "\n"))
                </section>
                """
        }
        let empty: HTML? = sites.isEmpty ? "<p>No site of this practice is monitored yet.</p>" : nil
        return layout.page(
            title: practice,
            """
            <h1>\(practice)</h1>
            <p>What your IT provider's appliance checks on your computers, why it matters, and what it found. Each result is signed evidence you or an auditor can verify.</p>
            \(empty)
            \(HTML.join(sections, separator: "\n"))
            """)
    }

    /// One check: its title says what is checked; then the state with the date of its evidence,
    /// why it matters, what passing means and the framework controls it supports.
    func card(_ control: Control) -> HTML {
        let evidence: HTML? =
            if let at = control.evidenceAt, let bundle = control.bundleID {
                " Evidence from \(Format.time(at)) · <a href=\"\(layout.root)/evidence/\(bundle)\">verify it</a>"
            } else {
                nil
            }
        return """
            <article class="card control">
            <h4><span class="badge \(control.status)">\(Self.word(control.status))</span> \(control.title)</h4>
            <p><strong>\(control.summary).</strong>\(evidence)</p>
            <p><strong>Why it matters:</strong> \(control.why)</p>
            <p class="muted">Passing means: <code>\(control.expected)</code> · \(HTML.join(control.controls.map { "\($0)" as HTML }, separator: " · "))</p>
            </article>
            """
    }

    /// A state as one word for the badge.
    static func word(_ status: String) -> String {
        switch status {
        case "pass": "passing"
        case "fail": "failing"
        case "warn": "partly met"
        case "error": "could not check"
        default: "unknown"
        }
    }
}
