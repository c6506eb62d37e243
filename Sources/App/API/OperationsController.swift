import Foundation
import Vapor
import Fluent
import SQLKit

struct HealthStatus: Content { var status: String; var database: String; var databaseMillis: Double }

/// Health, metrics and static files.
struct OperationsController {
    /// `GET /healthz`: 200 once the database answers a query, 503 otherwise.
    @Sendable func health(req: Request) async throws -> Response {
        let start = ContinuousClock.now
        let ok: Bool
        do {
            _ = try await (req.db as? any SQLDatabase)?.raw("SELECT 1 AS ok").first()
            ok = true
        } catch {
            req.logger.warning("health check: database did not answer: \(error)")
            ok = false
        }
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        let body = HealthStatus(status: ok ? "ok" : "unavailable", database: req.db is any SQLDatabase ? (req.db as! any SQLDatabase).dialect.name : "unknown",
                                databaseMillis: (ms * 100).rounded() / 100)
        let response = try await body.encodeResponse(status: ok ? .ok : .serviceUnavailable, for: req)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    /// `GET /metrics`: Prometheus text format.
    @Sendable func metrics(req: Request) async throws -> Response {
        let registry = req.services.metrics
        // Pool size is configuration, not a live reading; it tells dashboards the ceiling.
        registry.makeGauge(descriptor: .init(namespace: "educommons", metricName: "db_pool_connections_per_event_loop", unitName: "max",
                                             helpText: "Configured database connections per event loop"),
                           labels: [("database", req.db is any SQLDatabase ? (req.db as! any SQLDatabase).dialect.name : "unknown")])
            .record(Int64(req.services.config.database.poolPerEventLoop))
        registry.makeGauge(descriptor: .init(namespace: "educommons", metricName: "event_loops", unitName: "count",
                                             helpText: "Event loop threads"), labels: [])
            .record(Int64(System.coreCount))
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "plain", parameters: ["version": "0.0.4", "charset": "utf-8"])
        return Response(status: .ok, headers: headers, body: .init(string: registry.emitToString()))
    }

    /// `GET /static/{name}.{hash}.{ext}`: immutable, cached for a year.
    @Sendable func asset(req: Request) async throws -> Response {
        guard let name = req.parameters.get("file"), let asset = req.services.assets.byHashedName[name] else {
            throw Abort(.notFound)
        }
        var headers = HTTPHeaders()
        headers.contentType = asset.contentType
        headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=31536000, immutable")
        return Response(status: .ok, headers: headers, body: .init(buffer: asset.data))
    }
}

extension AppConfig.Database {
    var poolPerEventLoop: Int {
        switch self {
        case .postgres: 4
        default: 1
        }
    }
}
