/// Every migration, in order. Append only: never edit or reorder a released entry.
public enum Migrations {
    public static let all: [Migration] = [
        Migration(version: 1, name: "tenancy, evidence and audit log") { names in
            [
                """
                CREATE TABLE partners (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE clients (
                    id TEXT PRIMARY KEY,
                    partner_id TEXT NOT NULL REFERENCES partners (id),
                    name TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX clients_by_partner ON clients (partner_id)",
                """
                CREATE TABLE sites (
                    id TEXT PRIMARY KEY,
                    client_id TEXT NOT NULL REFERENCES clients (id),
                    name TEXT NOT NULL,
                    time_zone TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX sites_by_client ON sites (client_id)",
                """
                CREATE TABLE appliances (
                    id TEXT PRIMARY KEY,
                    site_id TEXT NOT NULL REFERENCES sites (id),
                    public_key TEXT NOT NULL UNIQUE,
                    software_revision TEXT,
                    deployment_mode TEXT NOT NULL CHECK (deployment_mode IN ('direct', 'reseller')),
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX appliances_by_site ON appliances (site_id)",
                """
                CREATE TABLE hosts (
                    id TEXT PRIMARY KEY,
                    site_id TEXT NOT NULL REFERENCES sites (id),
                    name TEXT NOT NULL,
                    platform TEXT NOT NULL CHECK (platform IN ('appliance', 'linux', 'windows')),
                    address TEXT,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX hosts_by_site ON hosts (site_id)",
                """
                CREATE TABLE evidence_bundles (
                    appliance_id TEXT NOT NULL REFERENCES appliances (id),
                    sequence BIGINT NOT NULL CHECK (sequence >= 1),
                    bundle_id TEXT NOT NULL UNIQUE,
                    site_id TEXT NOT NULL REFERENCES sites (id),
                    host_id TEXT NOT NULL,
                    observed_at BIGINT NOT NULL,
                    hash TEXT NOT NULL,
                    prev_hash TEXT NOT NULL,
                    canonical_bytes \(names.bytes) NOT NULL,
                    signature \(names.bytes) NOT NULL,
                    received_at BIGINT NOT NULL,
                    PRIMARY KEY (appliance_id, sequence)
                )
                """,
                "CREATE INDEX evidence_by_site_time ON evidence_bundles (site_id, observed_at)",
                "CREATE INDEX evidence_by_host_time ON evidence_bundles (host_id, observed_at)",
                """
                CREATE TABLE audit_log (
                    id \(names.serialPrimaryKey),
                    at BIGINT NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    target TEXT NOT NULL,
                    detail TEXT NOT NULL
                )
                """,
            ]
        },
        Migration(version: 2, name: "request nonces") { _ in
            [
                """
                CREATE TABLE request_nonces (
                    appliance_id TEXT NOT NULL,
                    nonce TEXT NOT NULL,
                    seen_at BIGINT NOT NULL,
                    PRIMARY KEY (appliance_id, nonce)
                )
                """,
                "CREATE INDEX request_nonces_by_time ON request_nonces (seen_at)",
            ]
        },
        Migration(version: 3, name: "claim codes") { _ in
            [
                """
                CREATE TABLE claim_codes (
                    code_hash TEXT PRIMARY KEY,
                    site_id TEXT NOT NULL REFERENCES sites (id),
                    expires_at BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    used_at BIGINT,
                    appliance_id TEXT
                )
                """,
                "CREATE INDEX claim_codes_by_site ON claim_codes (site_id)",
            ]
        },
        Migration(version: 4, name: "API keys") { _ in
            [
                """
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY,
                    partner_id TEXT REFERENCES partners (id),
                    name TEXT NOT NULL,
                    secret_hash TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    revoked_at BIGINT,
                    last_used_at BIGINT
                )
                """,
                "CREATE INDEX api_keys_by_partner ON api_keys (partner_id)",
            ]
        },
        Migration(version: 5, name: "operator accounts and sessions") { _ in
            [
                """
                CREATE TABLE users (
                    id TEXT PRIMARY KEY,
                    partner_id TEXT REFERENCES partners (id),
                    email TEXT NOT NULL UNIQUE,
                    display_name TEXT NOT NULL,
                    role TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    totp_secret TEXT,
                    totp_enabled_at BIGINT,
                    totp_last_step BIGINT,
                    failed_logins BIGINT NOT NULL DEFAULT 0,
                    locked_until BIGINT,
                    created_at BIGINT NOT NULL,
                    disabled_at BIGINT
                )
                """,
                "CREATE INDEX users_by_partner ON users (partner_id)",
                """
                CREATE TABLE sessions (
                    token_hash TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users (id),
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    last_seen_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX sessions_by_user ON sessions (user_id)",
            ]
        },
        Migration(version: 6, name: "check-ins, orders, target credentials, site settings") { _ in
            [
                """
                CREATE TABLE appliance_health (
                    appliance_id TEXT PRIMARY KEY REFERENCES appliances (id),
                    software_version TEXT NOT NULL,
                    uptime_seconds BIGINT NOT NULL,
                    queue_depth BIGINT NOT NULL,
                    clock_offset_ms BIGINT,
                    checked_in_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE orders (
                    id TEXT PRIMARY KEY,
                    appliance_id TEXT NOT NULL REFERENCES appliances (id),
                    site_id TEXT NOT NULL REFERENCES sites (id),
                    type TEXT NOT NULL,
                    parameters TEXT NOT NULL,
                    nonce TEXT NOT NULL UNIQUE,
                    issued_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    created_by TEXT NOT NULL,
                    signed_payload TEXT NOT NULL,
                    signature TEXT NOT NULL,
                    status TEXT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    result_detail TEXT
                )
                """,
                "CREATE INDEX orders_open_by_appliance ON orders (appliance_id, status, issued_at)",
                "CREATE INDEX orders_by_site ON orders (site_id, issued_at)",
                """
                CREATE TABLE host_credentials (
                    host_id TEXT PRIMARY KEY REFERENCES hosts (id),
                    kind TEXT NOT NULL,
                    username TEXT NOT NULL,
                    sealed_secret TEXT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE site_settings (
                    site_id TEXT PRIMARY KEY REFERENCES sites (id),
                    rule_set_version TEXT NOT NULL,
                    enabled_runbooks TEXT NOT NULL,
                    maintenance_window TEXT
                )
                """,
            ]
        },
        Migration(version: 7, name: "checkpoints") { _ in
            [
                """
                CREATE TABLE checkpoints (
                    appliance_id TEXT NOT NULL REFERENCES appliances (id),
                    tree_size BIGINT NOT NULL CHECK (tree_size >= 1),
                    root_hash TEXT NOT NULL,
                    note TEXT NOT NULL,
                    received_at BIGINT NOT NULL,
                    PRIMARY KEY (appliance_id, tree_size)
                )
                """
            ]
        },
        Migration(version: 8, name: "audit log partner scope") { _ in
            [
                "ALTER TABLE audit_log ADD COLUMN partner_id TEXT",
                "CREATE INDEX audit_log_by_partner ON audit_log (partner_id, id)",
            ]
        },
        Migration(version: 9, name: "site snapshot revision") { _ in
            // Bumped with every change to a site's settings, hosts or credentials, so check-ins
            // can keep the opened snapshot and re-read it only when it changed.
            ["ALTER TABLE sites ADD COLUMN snapshot_revision BIGINT NOT NULL DEFAULT 0"]
        },
        Migration(version: 10, name: "appliance key rotations") { _ in
            // ADR 0012: the key history of each appliance. `appliances.public_key` stays the
            // current key; each row says which key signs from which sequence on.
            [
                """
                CREATE TABLE appliance_key_rotations (
                    appliance_id TEXT NOT NULL REFERENCES appliances (id),
                    from_sequence BIGINT NOT NULL CHECK (from_sequence >= 1),
                    old_key TEXT NOT NULL,
                    new_key TEXT NOT NULL UNIQUE,
                    endorsement TEXT NOT NULL,
                    proof TEXT NOT NULL,
                    rotated_at BIGINT NOT NULL,
                    PRIMARY KEY (appliance_id, from_sequence)
                )
                """,
                "CREATE INDEX appliance_key_rotations_by_old_key ON appliance_key_rotations (old_key)",
            ]
        },
        Migration(version: 11, name: "incidents") { _ in
            // L3 escalations (issue 5). `open_key` is set while an incident is unresolved, so at
            // most one unresolved incident exists per appliance, host and check.
            [
                """
                CREATE TABLE incidents (
                    id TEXT PRIMARY KEY,
                    site_id TEXT NOT NULL REFERENCES sites (id),
                    appliance_id TEXT NOT NULL REFERENCES appliances (id),
                    host_id TEXT NOT NULL,
                    check_id TEXT NOT NULL,
                    severity TEXT NOT NULL,
                    priority TEXT NOT NULL CHECK (priority IN ('p1', 'p2', 'p3', 'p4')),
                    status TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
                    title TEXT NOT NULL,
                    context TEXT NOT NULL,
                    observed TEXT,
                    attempts BIGINT NOT NULL,
                    pending_action TEXT,
                    occurrences BIGINT NOT NULL,
                    opened_at BIGINT NOT NULL,
                    last_seen_at BIGINT NOT NULL,
                    acknowledged_at BIGINT,
                    acknowledged_by TEXT,
                    resolved_at BIGINT,
                    resolved_by TEXT,
                    resolution_note TEXT,
                    open_key TEXT UNIQUE
                )
                """,
                "CREATE INDEX incidents_by_site ON incidents (site_id, opened_at)",
            ]
        },
        Migration(version: 12, name: "learning flywheel") { _ in
            [
                """
                CREATE TABLE learning_patterns (
                    pattern_key TEXT PRIMARY KEY,
                    check_id TEXT NOT NULL,
                    runbook TEXT NOT NULL,
                    parameters TEXT NOT NULL,
                    occurrences BIGINT NOT NULL,
                    verified BIGINT NOT NULL,
                    first_seen BIGINT NOT NULL,
                    last_seen BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE learned_rules (
                    id TEXT PRIMARY KEY,
                    pattern_key TEXT NOT NULL UNIQUE,
                    check_id TEXT NOT NULL,
                    runbook TEXT NOT NULL,
                    parameters TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('proposed', 'active', 'rejected', 'disabled')),
                    runs BIGINT NOT NULL,
                    failures BIGINT NOT NULL,
                    proposed_at BIGINT NOT NULL,
                    decided_at BIGINT,
                    decided_by TEXT,
                    note TEXT
                )
                """,
                "CREATE TABLE learning_state (id INTEGER PRIMARY KEY CHECK (id = 1), revision BIGINT NOT NULL)",
                "INSERT INTO learning_state (id, revision) VALUES (1, 0)",
            ]
        },
        // Derived from the bundles in the transaction that stores them (ADR 0018): the current
        // state per host and check, and per site the hosts in each state, for overviews.
        Migration(version: 13, name: "current check states") { _ in
            [
                """
                CREATE TABLE check_states (
                    host_id TEXT NOT NULL,
                    check_id TEXT NOT NULL,
                    site_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    observed TEXT,
                    observed_at BIGINT NOT NULL,
                    bundle_id TEXT NOT NULL,
                    PRIMARY KEY (host_id, check_id)
                )
                """,
                "CREATE INDEX check_states_by_site ON check_states (site_id, check_id, status)",
                // One row per site: "check status hosts" lines, read for every site at once.
                "CREATE TABLE site_check_states (site_id TEXT PRIMARY KEY, summary TEXT NOT NULL)",
                // 0 until the states of bundles stored before this migration are derived.
                "CREATE TABLE check_states_backfill (id INTEGER PRIMARY KEY CHECK (id = 1), done BIGINT NOT NULL)",
                "INSERT INTO check_states_backfill (id, done) VALUES (1, 0)",
            ]
        },
        // The client portal: practice contacts, their one-time login links and sessions (by
        // token hash only), and partner branding shown on partner pages and client portals.
        Migration(version: 14, name: "client portal and partner branding") { _ in
            [
                """
                CREATE TABLE portal_contacts (
                    id TEXT PRIMARY KEY,
                    client_id TEXT NOT NULL REFERENCES clients (id),
                    email TEXT NOT NULL,
                    name TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    disabled_at BIGINT,
                    UNIQUE (client_id, email)
                )
                """,
                "CREATE INDEX portal_contacts_by_email ON portal_contacts (email)",
                """
                CREATE TABLE magic_links (
                    token_hash TEXT PRIMARY KEY,
                    contact_id TEXT NOT NULL REFERENCES portal_contacts (id),
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    used_at BIGINT
                )
                """,
                "CREATE INDEX magic_links_by_contact ON magic_links (contact_id, created_at)",
                """
                CREATE TABLE portal_sessions (
                    token_hash TEXT PRIMARY KEY,
                    contact_id TEXT NOT NULL REFERENCES portal_contacts (id),
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    last_seen_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE partner_branding (
                    partner_id TEXT PRIMARY KEY REFERENCES partners (id),
                    display_name TEXT,
                    accent_colour TEXT,
                    logo_png TEXT
                )
                """,
            ]
        },
    ]
}

/// The appliance's own database (its outbox), separate from Central Command's. Append only.
extension Migrations {
    public static let appliance: [Migration] = [
        Migration(version: 1, name: "outbox") { names in
            [
                """
                CREATE TABLE outbox (
                    sequence BIGINT PRIMARY KEY CHECK (sequence >= 1),
                    bundle_id TEXT NOT NULL UNIQUE,
                    canonical_bytes \(names.bytes),
                    signature \(names.bytes),
                    hash TEXT NOT NULL,
                    sealed_at BIGINT NOT NULL,
                    receipt TEXT,
                    receipted_at BIGINT,
                    CHECK ((canonical_bytes IS NULL) = (signature IS NULL)),
                    CHECK (canonical_bytes IS NOT NULL OR receipt IS NOT NULL)
                )
                """,
                "CREATE INDEX outbox_unreceipted ON outbox (sequence) WHERE receipt IS NULL",
            ]
        },
        Migration(version: 2, name: "order nonces") { _ in
            [
                """
                CREATE TABLE order_nonces (
                    nonce TEXT PRIMARY KEY,
                    order_id TEXT NOT NULL,
                    seen_at BIGINT NOT NULL
                )
                """
            ]
        },
        Migration(version: 3, name: "host keys pinned on first use") { _ in
            [
                """
                CREATE TABLE host_keys (
                    host_id TEXT PRIMARY KEY,
                    public_key TEXT NOT NULL,
                    pinned_at BIGINT NOT NULL
                )
                """
            ]
        },
        Migration(version: 4, name: "orders deferred to the maintenance window") { _ in
            [
                """
                CREATE TABLE deferred_orders (
                    order_id TEXT PRIMARY KEY,
                    payload TEXT NOT NULL,
                    signature TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    deferred_at BIGINT NOT NULL
                )
                """
            ]
        },
        Migration(version: 5, name: "forwarding cursors (reseller mode)") { _ in
            [
                """
                CREATE TABLE forward_cursors (
                    target TEXT PRIMARY KEY,
                    sequence BIGINT NOT NULL CHECK (sequence >= 0)
                )
                """
            ]
        },
    ]
}
