public import Foundation

/// Where Central Command keeps its data: an embedded SQLite file (the default) or PostgreSQL.
public enum DatabaseConfiguration: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresEndpoint)

    /// A PostgreSQL server as given by a `postgres://user:password@host:port/database` URL.
    public struct PostgresEndpoint: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        public var database: String
        /// `sslmode=disable` turns TLS off (loopback, tests); otherwise TLS is required.
        public var tls: Bool

        /// Parses a PostgreSQL URL; throws with a message that says what is wrong.
        public init(url text: String) throws(StorageConfigurationError) {
            guard let components = URLComponents(string: text),
                components.scheme == "postgres" || components.scheme == "postgresql"
            else {
                throw StorageConfigurationError(
                    "database URL must look like postgres://user:password@host:5432/database")
            }
            guard let host = components.host, !host.isEmpty else {
                throw StorageConfigurationError("database URL has no host")
            }
            guard let user = components.user, !user.isEmpty else {
                throw StorageConfigurationError("database URL has no user name")
            }
            let database = String(components.path.drop(while: { $0 == "/" }))
            guard !database.isEmpty else { throw StorageConfigurationError("database URL names no database") }
            let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "require"
            guard ["disable", "require", "verify-full"].contains(mode) else {
                throw StorageConfigurationError("sslmode must be disable, require or verify-full")
            }
            self.host = host
            self.port = components.port ?? 5432
            self.username = user.removingPercentEncoding ?? user
            self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
            self.database = database
            self.tls = mode != "disable"
        }
    }

    /// Never prints a password.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let endpoint):
            "postgres://\(endpoint.username)@\(endpoint.host):\(endpoint.port)/\(endpoint.database)\(endpoint.tls ? "" : "?sslmode=disable")"
        }
    }
}

/// A configuration mistake, said plainly.
public struct StorageConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
