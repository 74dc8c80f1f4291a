public import Foundation
import VigilAPI

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// What went wrong talking to Central Command.
public enum CentralClientError: Error, Equatable, CustomStringConvertible {
    /// The server answered with an error status and (usually) a message saying why.
    case status(Int, String)
    /// The server could not be reached, or the connection broke.
    case transport(String)
    /// The answer was not what the API promises.
    case malformedAnswer(String)

    public var description: String {
        switch self {
        case .status(let code, let message): "Central Command answered \(code): \(message)"
        case .transport(let why): "cannot reach Central Command: \(why)"
        case .malformedAnswer(let why): "Central Command's answer is malformed: \(why)"
        }
    }
}

/// A connection to one Central Command: base URL, JSON encoding, error bodies.
public struct CentralConnection: Sendable {
    public let baseURL: URL
    let session: URLSession

    public init(baseURL: URL, timeoutSeconds: Double = 30) {
        self.baseURL = baseURL
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        self.session = URLSession(configuration: configuration)
    }

    /// Sends `body` (already encoded) and returns status and body bytes.
    public func send(
        _ method: String, _ pathAndQuery: String, body: Data?, headers: [String: String]
    ) async throws(CentralClientError) -> (status: Int, body: Data) {
        guard let url = URL(string: pathAndQuery, relativeTo: baseURL) else {
            throw .transport("bad path \(pathAndQuery)")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        do {
            let (data, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else { throw CentralClientError.transport("not HTTP") }
            return (http.statusCode, data)
        } catch let error as CentralClientError {
            throw error
        } catch {
            throw .transport(error.localizedDescription)
        }
    }

    /// Decodes a 2xx answer as `T`, or throws the server's error message.
    public static func decode<T: Decodable>(_ type: T.Type, _ answer: (status: Int, body: Data))
        throws(CentralClientError) -> T
    {
        try check(answer)
        do {
            return try JSONDecoder().decode(T.self, from: answer.body)
        } catch {
            throw .malformedAnswer("\(error)")
        }
    }

    /// Throws the server's error message unless the answer is 2xx.
    public static func check(_ answer: (status: Int, body: Data)) throws(CentralClientError) {
        guard (200..<300).contains(answer.status) else {
            let message =
                (try? JSONDecoder().decode(APIErrorBody.self, from: answer.body))?.error.message
                ?? String(decoding: answer.body.prefix(300), as: UTF8.self)
            throw .status(answer.status, message)
        }
    }

    static func encode(_ value: some Encodable) throws(CentralClientError) -> Data {
        do {
            return try JSONEncoder().encode(value)
        } catch {
            throw .malformedAnswer("cannot encode request: \(error)")
        }
    }
}
