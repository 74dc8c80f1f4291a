/// The frame around every operator and client-portal page: header with the signed-in user,
/// navigation, the logout form (POST with the CSRF token), the partner's branding, and a
/// live-refresh hook for pages that want it.
public struct Layout: Sendable, Equatable {
    /// A partner's branding as the header shows it: its name, and whether it has a logo and an
    /// accent colour (served at `<root>/brand/logo.png` and `<root>/brand.css`).
    public struct Brand: Sendable, Equatable {
        public var name: String
        public var hasLogo: Bool
        public var hasColour: Bool

        public init(name: String, hasLogo: Bool, hasColour: Bool) {
            self.name = name
            self.hasLogo = hasLogo
            self.hasColour = hasColour
        }
    }

    /// The sections the navigation names.
    public enum Section: String, Sendable, CaseIterable {
        case fleet, incidents, runbooks, learning, access, settings, audit

        var title: String {
            switch self {
            case .fleet: "Fleet"
            case .incidents: "Incidents"
            case .runbooks: "Runbooks"
            case .learning: "Learning"
            case .access: "Users & keys"
            case .settings: "Settings"
            case .audit: "Audit log"
            }
        }

        var path: String {
            switch self {
            case .fleet: "/"
            case .incidents: "/incidents"
            case .runbooks: "/runbooks"
            case .learning: "/learning"
            case .access: "/access"
            case .settings: "/settings"
            case .audit: "/audit"
            }
        }
    }

    /// Who is signed in, as the header shows it.
    public var user: String
    /// `platform operator` or the partner's name.
    public var tenant: String
    /// The session's CSRF token, for every form on the page.
    public var csrfToken: String
    public var section: Section?
    /// The change revision the page's data is at: the live stream starts from it, so a change
    /// made while the page was built still refreshes it.
    public var revision: UInt64
    /// The sections this user may open (the navigation shows only these).
    public var sections: [Section]
    /// Where this set of pages lives: `""` for operators, `/portal` for the client portal.
    public var root: String
    public var brand: Brand?

    public init(
        user: String, tenant: String, csrfToken: String, section: Section?, revision: UInt64 = 0,
        sections: [Section] = [.fleet, .incidents, .runbooks], root: String = "", brand: Brand? = nil
    ) {
        self.user = user
        self.tenant = tenant
        self.csrfToken = csrfToken
        self.section = section
        self.revision = revision
        self.sections = sections
        self.root = root
        self.brand = brand
    }

    /// The first page of this set: `/` or `/portal`.
    public var home: String { root.isEmpty ? "/" : root }

    /// The hidden field every state-changing form carries.
    public var csrfField: HTML { "<input type=\"hidden\" name=\"_csrf\" value=\"\(csrfToken)\">" }

    /// A whole operator page. `live` asks the browser to refresh the main region when Central
    /// Command says something changed (progressive: without script the page is complete).
    public func page(title: String, live: Bool = false, _ body: HTML) -> HTML {
        let links = sections.map { item -> HTML in
            let current: HTML = item == section ? " aria-current=\"page\"" : ""
            return "<li><a href=\"\(item.path)\"\(current)>\(item.title)</a></li>"
        }
        let script: HTML = live ? "<script src=\"/static/live.js\" defer></script>" : ""
        let main: HTML =
            live ? "<main id=\"main\" data-live=\"\(root)/events?since=\(revision)\">" : "<main id=\"main\">"
        let navigation: HTML = sections.isEmpty ? "" : "<nav aria-label=\"Main\"><ul>\(links)</ul></nav>"
        return Self.document(
            title: title, brand: brand, root: root,
            """
            <header class="top">\(Self.mark(brand, root: root, home: home))\(navigation)<div class="who"><span>\(user) · \(tenant)</span><form method="post" action="\(root)/logout">\(csrfField)<button type="submit" class="link">Log out</button></form></div></header>
            \(main)
            \(body)
            </main>
            \(script)
            """)
    }

    /// The header's name: the partner's logo and name when branded, else Vigil's.
    static func mark(_ brand: Brand?, root: String, home: String) -> HTML {
        guard let brand else { return "<a class=\"brand\" href=\"\(home)\">Vigil</a>" }
        let logo: HTML = brand.hasLogo ? "<img class=\"logo\" src=\"\(root)/brand/logo.png\" alt=\"\">" : ""
        return "<a class=\"brand\" href=\"\(home)\">\(logo)\(brand.name)</a>"
    }

    /// The HTML document: language, viewport, the stylesheet and the partner's colours.
    public static func document(title: String, brand: Brand? = nil, root: String = "", _ body: HTML) -> HTML {
        let colours: HTML =
            brand?.hasColour == true ? "\n<link rel=\"stylesheet\" href=\"\(root)/brand.css\">" : ""
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · Vigil</title>
            <link rel="icon" href="data:,">
            <link rel="stylesheet" href="/static/vigil.css">\(colours)
            </head>
            <body>
            \(body)
            </body>
            </html>

            """
    }
}
