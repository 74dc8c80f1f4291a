import Compliance
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Counts and times every request for `/metrics`, and writes one structured log line per
/// request: method, route template (never the raw path with IDs or query), status, duration and
/// the caller. Bodies, headers and query strings are never logged, so neither are secrets.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let metrics: Metrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            // ErrorBodyMiddleware answers every error; this only runs if it is not installed.
            record(request, context: context, status: 500, started: started)
            throw error
        }
        record(request, context: context, status: Int(response.status.code), started: started)
        return response
    }

    private func record(_ request: Request, context: Context, status: Int, started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let route = context.endpointPath ?? "unmatched"
        metrics.increment(
            "vigil_http_requests_total",
            [("method", request.method.rawValue), ("route", route), ("status", String(status))])
        metrics.observe("vigil_http_request_duration_seconds", [("route", route)], seconds: seconds)
        let level: Logger.Level = status >= 500 ? .error : .debug
        context.logger.log(
            level: level, "request",
            metadata: [
                "method": "\(request.method.rawValue)", "route": "\(route)", "status": "\(status)",
                "duration_ms": "\(String(format: "%.2f", seconds * 1000))",
                "caller": "\(context.actor ?? context.applianceID.map { "appliance:\($0)" } ?? "anonymous")",
            ])
    }
}
