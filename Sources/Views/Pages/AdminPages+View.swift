import Compliance
import VigilAPI

extension AccessPage {
    public func render() -> HTML {
        let status: HTML? = notice.map { "<p class=\"tile\" role=\"status\">\($0)</p>" }
        let shown: HTML? = secret.map {
            """
            <div class="alert" role="status"><p><strong>\($0.what)</strong> — shown this once; copy it now:</p><p><code class="secret">\($0.value)</code></p></div>
            """
        }
        let csrf = layout.csrfField
        let userRows = users.map { user -> HTML in
            let state: HTML = user.disabled ? "<span class=\"muted\">disabled</span>" : "active"
            let action: HTML =
                user.disabled || user.id == currentUserID
                ? ""
                : "<form method=\"post\" action=\"/access/users/\(user.id)/disable\">\(csrf)<button type=\"submit\" class=\"secondary\">Disable</button></form>"
            return """
                <tr><td>\(user.email)</td><td>\(user.displayName)</td><td>\(user.role)</td><td>\(user.totpEnabled ? "on" : "off")</td><td>\(state)</td><td>\(action)</td></tr>

                """
        }
        let keyRows = keys.map { key -> HTML in
            let state: HTML = key.revokedAt == nil ? "active" : "<span class=\"muted\">revoked</span>"
            let action: HTML =
                key.revokedAt != nil
                ? ""
                : "<form method=\"post\" action=\"/access/keys/\(key.id)/revoke\">\(csrf)<button type=\"submit\" class=\"secondary\">Revoke</button></form>"
            return """
                <tr><td><code>\(key.id)</code></td><td>\(key.name)</td><td>\(key.createdAt)</td><td>\(key.lastUsedAt ?? "never")</td><td>\(state)</td><td>\(action)</td></tr>

                """
        }
        let roles = ["viewer", "technician", "admin"].map { role -> HTML in "<option value=\"\(role)\">\(role)</option>"
        }
        return layout.page(
            title: "Users and API keys",
            """
            <h1>Users and API keys</h1>
            \(status)
            \(shown)
            <h2>Users</h2>
            \(Tables.table(["Email", "Name", "Role", "TOTP", "State", ""], rows: userRows, empty: "No users yet."))
            <details><summary>Add a user</summary>
            <form method="post" action="/access/users">\(csrf)
            <label for="email">Email</label><input id="email" name="email" type="email" required>
            <label for="name">Name</label><input id="name" name="name" type="text" required maxlength="200">
            <label for="role">Role</label><select id="role" name="role">\(roles)</select>
            <p><button type="submit">Add user</button> <span class="muted">A one-time password is shown once; they change it after logging in.</span></p>
            </form></details>
            <h2>API keys</h2>
            \(Tables.table(["Key", "Name", "Created", "Last used", "State", ""], rows: keyRows, empty: "No API keys yet."))
            <details><summary>Create an API key</summary>
            <form method="post" action="/access/keys">\(csrf)
            <label for="key-name">Name (what uses it, e.g. the PSA)</label><input id="key-name" name="name" type="text" required maxlength="200">
            <p><button type="submit">Create key</button> <span class="muted">Only its hash is kept; the key is shown once.</span></p>
            </form></details>
            """)
    }
}

extension ClaimCodePage {
    public func render() -> HTML {
        let qr: HTML = (try? QRCode(enrolment))?.svg(label: "QR code of the claim code") ?? ""
        return layout.page(
            title: "Claim code",
            """
            <p class="muted"><a href="/sites/\(siteID)">\(siteName)</a> › claim code</p>
            <h1>Claim code for \(siteName)</h1>
            <p>Give the new appliance this code (setting <code>claim-code</code>, or scan the QR code at the install site). It works once, until \(Format.time(expiresAt)), and is shown only now.</p>
            <p><code class="secret">\(code)</code></p>
            <figure>\(qr)<figcaption class="muted"><code>\(enrolment)</code></figcaption></figure>
            """)
    }
}

extension OrdersPage {
    public func render() -> HTML {
        let rows = orders.map { order -> HTML in
            let parameters = order.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                .joined(separator: ", ")
            return """
                <tr><td><code>\(order.id)</code></td><td>\(order.type)</td><td>\(parameters)</td><td><span class="badge \(order.status)">\(order.status)</span></td><td>\(order.issuedAt)</td><td>\(order.createdBy)</td><td>\(order.resultDetail ?? "")</td></tr>

                """
        }
        return layout.page(
            title: "Orders · \(siteName)",
            """
            <p class="muted"><a href="/sites/\(siteID)">\(siteName)</a> › orders</p>
            <h1>Orders for \(siteName)</h1>
            <p>Every order Central Command signed for this site's appliances, newest first. Appliances verify the signature and report what became of each.</p>
            \(Tables.table(["Order", "Type", "Parameters", "State", "Issued", "By", "Result"], rows: rows, empty: "No orders yet."))
            """)
    }
}

extension SettingsPage {
    public func render() -> HTML {
        let status: HTML? = notice.map { "<p class=\"tile\" role=\"status\">\($0)</p>" }
        let csrf = layout.csrfField
        let chooser: HTML? =
            partners.count > 1
            ? """
            <form method="get" action="/settings" class="filters"><label for="partner">Partner</label><select id="partner" name="partner">\(partners.map { partner -> HTML in
                partner.id.rawValue == partnerID ? "<option value=\"\(partner.id.rawValue)\" selected>\(partner.name)</option>" : "<option value=\"\(partner.id.rawValue)\">\(partner.name)</option>"
            })</select><button type="submit" class="secondary">Show</button></form>
            """ : nil
        let practiceSections = practices.map { practice -> HTML in
            let rows = practice.contacts.map { contact -> HTML in
                let action: HTML =
                    contact.disabledAt == nil
                    ? "<form method=\"post\" action=\"/settings/contacts/\(contact.id)/disable\">\(csrf)<button type=\"submit\" class=\"secondary\">Disable</button></form>"
                    : "<span class=\"muted\">disabled</span>"
                return "<tr><td>\(contact.email)</td><td>\(contact.name)</td><td>\(action)</td></tr>\n"
            }
            return """
                <h3>\(practice.name)</h3>
                \(Tables.table(["Email", "Name", ""], rows: rows, empty: "No portal contacts yet."))
                <form method="post" action="/settings/clients/\(practice.id)/contacts" class="filters">\(csrf)
                <div><label for="email-\(practice.id)">Email</label><input id="email-\(practice.id)" name="email" type="email" required></div>
                <div><label for="name-\(practice.id)">Name</label><input id="name-\(practice.id)" name="name" type="text" required maxlength="200"></div>
                <button type="submit">Add contact</button>
                </form>
                """
        }
        return layout.page(
            title: "Settings",
            """
            <h1>Settings of \(partnerName)</h1>
            \(status)
            \(chooser)
            <h2>Branding</h2>
            <p>Shown on your team's pages and on your practices' portal.</p>
            <form method="post" action="/settings/branding?partner=\(partnerID)" enctype="multipart/form-data">\(csrf)
            <label for="display_name">Name shown</label><input id="display_name" name="display_name" type="text" maxlength="200" value="\(branding.displayName ?? "")">
            <label for="accent_colour">Accent colour</label><input id="accent_colour" name="accent_colour" type="color" value="\(branding.accentColour ?? "#0b5cad")">
            <label for="logo">Logo (PNG, at most 64 KiB)</label><input id="logo" name="logo" type="file" accept="image/png">
            \(!hasLogo ? "" : "<label><input type=\"checkbox\" name=\"remove_logo\" value=\"1\"> Remove the current logo</label>" as HTML)
            <p><button type="submit">Save branding</button></p>
            </form>
            <h2>Client portal contacts</h2>
            <p class="muted">People at each practice who may read its status at <code>/portal</code>, logging in with a link sent to their email.</p>
            \(HTML.join(practiceSections, separator: "\n"))
            """)
    }
}
