import CentralCommand
import Compliance
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import VigilAPI

/// `/metrics`: Prometheus text with request counts by route template and latency histograms;
/// public by default, platform-only when configured so.
@Suite struct MetricsTests {
    let store = InMemoryStore()

    @Test func countsRequestsByRouteTemplateNeverByRawPath() async throws {
        let services = CentralServices.memory(store)
        try await Application(router: buildRouter(services: services)).test(.router) { client in
            for _ in 0..<3 { try await client.execute(uri: "/healthz", method: .get) { _ in } }
            try await client.execute(uri: "/api/v1/sites/site-secret-123/orders", method: .get) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/no/such/route?token=hunter2", method: .get) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = String(buffer: response.body)
                #expect(text.contains(#"vigil_http_requests_total{method="GET",route="/healthz",status="200"} 3"#))
                #expect(text.contains(#"route="/api/v1/sites/{site}/orders",status="401"} 1"#))
                #expect(text.contains(#"vigil_http_request_duration_seconds_bucket{route="/healthz",le="+Inf"} 3"#))
                #expect(text.contains("# TYPE vigil_http_request_duration_seconds histogram"))
                #expect(!text.contains("site-secret-123"))
                #expect(!text.contains("hunter2"))
            }
        }
    }

    @Test func privateMetricsNeedThePlatformOperator() async throws {
        var services = CentralServices.memory(store)
        services.metricsPublic = false
        try await store.create(Partner(id: try Partner.ID("partner-1"), name: "MSP"))
        let (platform, platformKey) = APIKeyTokens.generate(partner: nil, name: "p", at: CentralHTTPTests.now)
        let (partner, partnerKey) = APIKeyTokens.generate(
            partner: try Partner.ID("partner-1"), name: "p", at: CentralHTTPTests.now)
        try await store.create(platformKey)
        try await store.create(partnerKey)
        try await Application(router: buildRouter(services: services)).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(partner)"]) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(platform)"]) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test func labelValuesAreEscaped() {
        let metrics = Metrics()
        metrics.increment("vigil_logins_total", [("result", "a\"b\\c\nd")])
        #expect(metrics.render().contains(#"vigil_logins_total{result="a\"b\\c\nd"} 1"#))
    }
}
