import Foundation
import Vapor
import Fluent
import Prometheus
import Platform
import Directory

/// What the application holds for its whole life: configuration, localisation, rules,
/// the directory context and the metrics registry. Built once in `configure`.
struct AppServices: Sendable {
    var config: AppConfig
    var localizer: Localizer
    var directory: DirectoryContext
    var metrics: PrometheusCollectorRegistry
    var assets: AssetCatalog
    var openAPI: ByteBuffer
}

extension Application {
    private struct ServicesKey: StorageKey { typealias Value = AppServices }

    var services: AppServices {
        get {
            guard let s = storage[ServicesKey.self] else { fatalError("configure(_:) has not run") }
            return s
        }
        set { storage[ServicesKey.self] = newValue }
    }
}

extension Request {
    var services: AppServices { application.services }
    var directory: DirectoryService { DirectoryService(db: db, ctx: services.directory) }
    var auth: AuthService { AuthService(db: db, ctx: services.directory) }
    var auditLog: AuditService { AuditService(db: db) }

    func t(_ key: String, _ args: [String] = []) -> String {
        services.localizer.text(key, locale, args)
    }
}

/// bcrypt from Vapor, behind the Platform protocol so areas stay free of Vapor.
struct BcryptHasher: Platform.PasswordHasher {
    var cost: Int
    func hash(_ password: String) throws -> String { try Bcrypt.hash(password, cost: cost) }
    func verify(_ password: String, against hash: String) throws -> Bool { try Bcrypt.verify(password, created: hash) }
}
