import Foundation
import VigilAPI

/// The operator and partner API with an API key (`Authorization: Bearer vigil_…`).
public struct OperatorClient: Sendable {
    public let connection: CentralConnection
    let token: String

    public init(connection: CentralConnection, token: String) {
        self.connection = connection
        self.token = token
    }

    /// Sends `body` (nil for none) and decodes a 2xx answer as `T`.
    public func call<T: Decodable>(
        _ method: String, _ path: String, _ body: (some Encodable)?, as type: T.Type
    ) async throws(CentralClientError) -> T {
        let data = try body.map { value throws(CentralClientError) in try CentralConnection.encode(value) }
        return try CentralConnection.decode(
            T.self, try await connection.send(method, path, body: data, headers: ["Authorization": "Bearer \(token)"]))
    }

    /// Sends a request whose answer has no body (204).
    public func callWithoutAnswer(_ method: String, _ path: String) async throws(CentralClientError) {
        try CentralConnection.check(
            try await connection.send(method, path, body: nil, headers: ["Authorization": "Bearer \(token)"]))
    }

    public func get<T: Decodable>(_ path: String, as type: T.Type) async throws(CentralClientError) -> T {
        try CentralConnection.decode(
            T.self, try await connection.send("GET", path, body: nil, headers: ["Authorization": "Bearer \(token)"]))
    }

    public func post<T: Decodable>(_ path: String, _ body: some Encodable, as type: T.Type)
        async throws(CentralClientError) -> T
    {
        try CentralConnection.decode(
            T.self,
            try await connection.send(
                "POST", path, body: try CentralConnection.encode(body), headers: ["Authorization": "Bearer \(token)"]))
    }
}
