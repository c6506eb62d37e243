import Foundation
import Vapor
import Prometheus
import Synchronization

/// Request counts and latencies by route pattern (not raw path, so ids do not explode the
/// label set) and status class.
struct MetricsMiddleware: AsyncMiddleware {
    let registry: PrometheusCollectorRegistry
    static let buckets: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                      .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(1000)]
    /// The counter and histogram of each (method, route, status class), made once: asking
    /// the registry for them on every request (building descriptors and label lists under
    /// its lock) was a measurable share of an exam storm's CPU.
    private let handles = Handles()

    final class Handles: Sendable {
        struct Pair: Sendable { var count: Counter; var latency: DurationHistogram }
        let table = Mutex<[String: Pair]>([:])
        let routes = Mutex<[ObjectIdentifier: String]>([:])
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next.respond(to: request)
        let route = request.route.map(routeLabel) ?? "unmatched"
        let status = "\(response.status.code / 100)xx"
        let key = "\(request.method.rawValue) \(route) \(status)"
        let pair = handles.table.withLock { t in
            if let hit = t[key] { return hit }
            let made = Handles.Pair(
                count: registry.makeCounter(descriptor: .init(namespace: "educommons", metricName: "http_requests", unitName: "total",
                                                              helpText: "HTTP requests by route and status class"),
                                            labels: [("method", request.method.rawValue), ("route", route), ("status", status)]),
                latency: registry.makeDurationHistogram(descriptor: .init(namespace: "educommons", metricName: "http_request_duration", unitName: "seconds",
                                                                          helpText: "HTTP request latency by route"),
                                                        labels: [("method", request.method.rawValue), ("route", route)], buckets: Self.buckets))
            t[key] = made
            return made
        }
        pair.count.increment()
        let elapsed = ContinuousClock.now - start
        pair.latency.record(elapsed)
        // One line per request; at debug so a busy server's logs stay readable, and at
        // error when the request ended in a server error (a bug to fix).
        let level: Logger.Level = response.status.code >= 500 ? .error : .debug
        request.logger.log(level: level, "\(request.method) \(request.url.path) \(response.status.code)",
                           metadata: ["route": .string(route), "ms": .string(String(format: "%.1f", Double(elapsed.components.attoseconds) / 1e15))])
        return response
    }

    /// "/api/v1/attempts/:id/answers/:slot" for a route, remembered per route.
    private func routeLabel(_ r: Route) -> String {
        let id = ObjectIdentifier(r)
        if let hit = handles.routes.withLock({ $0[id] }) { return hit }
        let label = "/" + r.path.map(\.description).joined(separator: "/")
        handles.routes.withLock { $0[id] = label }
        return label
    }
}

/// Headers every response carries: no sniffing, no framing by other sites, a strict
/// content policy (everything is served by the binary itself).
struct SecurityHeadersMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        // Files of HTML5/SCORM packages set their own sandboxing policy and are framed by
        // our player page; everything else may not be framed at all.
        if response.headers.first(name: "Content-Security-Policy") != nil {
            response.headers.replaceOrAdd(name: "X-Frame-Options", value: "SAMEORIGIN")
            return response
        }
        response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        // A look at the raw header, not a parse of it: this runs for every response.
        if response.headers.first(name: .contentType)?.hasPrefix("text/html") == true {
            response.headers.replaceOrAdd(name: "Content-Security-Policy",
                                          value: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        return response
    }
}
