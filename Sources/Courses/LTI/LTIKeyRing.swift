import Foundation
import FluentKit
import JWTKit
import CryptoExtras
import Platform

/// The platform's signing keys, read from the database and kept for a minute, so a key
/// rotated in one process is used (and published) by every process within that time.
/// The newest generation signs; every unretired key stays in the published key set, so
/// tokens signed just before a rotation still verify.
actor LTIKeyRing {
    struct Loaded {
        let keys: JWTKeyCollection
        let kid: String
        let jwks: String
        let at: Date
    }
    private var loaded: Loaded?
    private let seconds: TimeInterval

    init(seconds: TimeInterval = 60) { self.seconds = seconds }

    func forget() { loaded = nil }

    func current(on db: any Database, now: Date) async throws -> Loaded {
        if let l = loaded, now.timeIntervalSince(l.at) < seconds { return l }
        var rows = try await LTIPlatformKey.query(on: db).filter(\.$retiredAt == nil).sort(\.$generation, .descending).all()
        if rows.isEmpty {
            try await Self.makeKey(generation: 1, on: db, now: now)
            rows = try await LTIPlatformKey.query(on: db).filter(\.$retiredAt == nil).sort(\.$generation, .descending).all()
        }
        let keys = JWTKeyCollection()
        var jwks: [String] = []
        for row in rows {
            let key = try Insecure.RSA.PrivateKey(pem: row.privatePEM)
            await keys.add(rsa: key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: row.kid))
            let p = try key.publicKey.getKeyPrimitives()
            jwks.append(#"{"kty":"RSA","alg":"RS256","use":"sig","kid":"\#(row.kid)","n":"\#(Self.base64URL(p.modulus))","e":"\#(Self.base64URL(p.publicExponent))"}"#)
        }
        let l = Loaded(keys: keys, kid: rows[0].kid, jwks: #"{"keys":[\#(jwks.joined(separator: ","))]}"#, at: now)
        loaded = l
        return l
    }

    /// Makes a 2048-bit key of the given generation. Two processes making the first key at
    /// once: the unique generation lets one win, and the other reads the winner's.
    @discardableResult
    static func makeKey(generation: Int, on db: any Database, now: Date) async throws -> Bool {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let row = LTIPlatformKey()
        row.id = UUID()
        row.generation = generation
        row.kid = "k\(generation)-" + Digest.randomToken(bytes: 6)
        row.privatePEM = key.pemRepresentation
        row.createdAt = now
        do {
            try await row.create(on: db)
            return true
        } catch {
            if try await LTIPlatformKey.query(on: db).filter(\.$generation == generation).first() != nil { return false }
            throw error
        }
    }

    static func base64URL(_ d: Data) -> String {
        d.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// A tool's public keys, parsed once and kept a few minutes.
struct CachedToolKeys: Sendable {
    let keys: JWTKeyCollection
    let at: Date
}
