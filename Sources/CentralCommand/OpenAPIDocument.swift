import Foundation

/// The OpenAPI 3.1 document of the whole API, kept in the repository as
/// `Sources/CentralCommand/Resources/openapi.json` and served at `/api/v1/openapi.json`.
enum OpenAPIDocument {
    static let bytes: [UInt8]? = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
            let data = try? Data(contentsOf: url)
        else { return nil }
        return [UInt8](data)
    }()
}
