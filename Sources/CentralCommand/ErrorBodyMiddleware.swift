import Foundation
import HTTPTypes
import Hummingbird
import VigilAPI

/// Turns every error into a JSON body `{"error": {"message": …}}` with its status; unexpected
/// errors become a logged 500 whose body gives nothing away.
struct ErrorBodyMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            let status = error.status
            let message = (error as? HTTPError)?.body ?? status.reasonPhrase
            var response = try JSONResponse.make(APIErrorBody(message: message), status: status)
            // Headers the error carries (Retry-After, WWW-Authenticate) go out with it.
            if let headers = (error as? HTTPError)?.headers {
                for field in headers where field.name != .contentType && field.name != .contentLength {
                    response.headers.append(field)
                }
            }
            return response
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return try JSONResponse.make(APIErrorBody(message: "internal error"), status: .internalServerError)
        }
    }
}
