import Foundation
import FluentKit
import SQLKit
import Platform

/// A document of the LRS's document resources (xAPI 1.0.3 Part Three §2.3-2.6): an
/// activity's state for an agent (and registration), an agent profile, an activity profile.
/// cmi5 needs the state resource: the platform writes LMS.LaunchData there for the AU.
final class XAPIDocument: Model, @unchecked Sendable {
    static let schema = "xapi_documents"

    @ID(key: .id) var id: UUID?
    /// state, agentProfile or activityProfile.
    @Field(key: "kind") var kind: String
    @Field(key: "activity_id") var activityID: String
    @Field(key: "agent_key") var agentKey: String
    @Field(key: "registration") var registration: String
    @Field(key: "doc_id") var docID: String
    @Field(key: "content_type") var contentType: String
    @Field(key: "content") var content: Data
    @Field(key: "etag") var etag: String
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

struct AddXAPIDocuments: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(XAPIDocument.schema)
            .id()
            .field("kind", .string, .required)
            .field("activity_id", .string, .required)
            .field("agent_key", .string, .required)
            .field("registration", .string, .required)
            .field("doc_id", .string, .required)
            .field("content_type", .string, .required)
            .field("content", .data, .required)
            .field("etag", .string, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "kind", "activity_id", "agent_key", "registration", "doc_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(XAPIDocument.schema).delete()
    }
}

/// Which document (or set of documents) a request names.
public struct DocumentKey: Sendable {
    public var kind: String
    public var activityID: String
    public var agentKey: String
    public var registration: String
    /// The stateId or profileId; nil names all of them (GET lists ids, DELETE removes all state).
    public var docID: String?

    public init(kind: String, activityID: String, agentKey: String, registration: String, docID: String?) {
        self.kind = kind
        self.activityID = activityID
        self.agentKey = agentKey
        self.registration = registration
        self.docID = docID
    }
}

public struct StoredDocument: Sendable {
    public var content: Data
    public var contentType: String
    public var etag: String
    public var updated: Date
}

extension XAPIService {
    /// Reads the `agent` parameter (a JSON Agent) into the key documents are filed under.
    public static func documentAgent(_ raw: String?) throws -> String {
        guard let raw, let v = try? JSONValue.parse(Data(raw.utf8)), let key = agentKey(v) else {
            throw DomainError.badInput([FieldProblem(field: "agent", reason: "xapi.agent-param")])
        }
        return key
    }

    /// A cmi5 session's credentials reach only its learner's documents.
    func checkDocumentScope(_ key: DocumentKey, caller: XAPICaller) throws {
        if let scope = caller.cmi5, !key.agentKey.isEmpty, key.agentKey != scope.actorKey {
            throw DomainError.forbidden(reason: "xapi.not-your-agent")
        }
    }

    func documentQuery(_ key: DocumentKey) -> QueryBuilder<XAPIDocument> {
        var q = XAPIDocument.query(on: db).filter(\.$kind == key.kind).filter(\.$activityID == key.activityID)
            .filter(\.$agentKey == key.agentKey).filter(\.$registration == key.registration)
        if let d = key.docID { q = q.filter(\.$docID == d) }
        return q
    }

    public func document(_ key: DocumentKey, caller: XAPICaller) async throws -> StoredDocument? {
        try checkDocumentScope(key, caller: caller)
        guard let d = try await documentQuery(key).first() else { return nil }
        return StoredDocument(content: d.content, contentType: d.contentType, etag: d.etag, updated: d.updatedAt)
    }

    /// The ids of the documents (GET without an id), optionally changed since a time.
    public func documentIDs(_ key: DocumentKey, since: Date?, caller: XAPICaller) async throws -> [String] {
        try checkDocumentScope(key, caller: caller)
        var q = documentQuery(key)
        if let since { q = q.filter(\.$updatedAt > since) }
        return try await q.sort(\.$docID).all().map(\.docID)
    }

    /// PUT replaces, POST merges JSON objects (both must be objects). `ifMatch` and
    /// `ifNoneMatch` are the HTTP preconditions the specification asks for on profiles.
    public func saveDocument(_ key: DocumentKey, content: Data, contentType: String, merge: Bool, ifMatch: String?, ifNoneMatch: String?,
                             caller: XAPICaller) async throws {
        try checkDocumentScope(key, caller: caller)
        guard let docID = key.docID, !docID.isEmpty else { throw DomainError.badInput([FieldProblem(field: key.kind == "state" ? "stateId" : "profileId", reason: "xapi.required")]) }
        guard content.count <= 1_048_576 else { throw DomainError.badInput([FieldProblem(field: "body", reason: "xapi.document-too-large")]) }
        let existing = try await documentQuery(key).first()
        if let m = ifMatch, existing.map({ "\"\($0.etag)\"" != m && m != "*" }) ?? true { throw DomainError.preconditionFailed(reason: "xapi.etag-mismatch") }
        if ifNoneMatch == "*", existing != nil { throw DomainError.preconditionFailed(reason: "xapi.document-exists") }
        var body = content
        var type = contentType
        if merge, let old = existing {
            guard old.contentType.contains("json"), contentType.contains("json"),
                  case .object(let a)? = try? JSONValue.parse(old.content), case .object(let b)? = try? JSONValue.parse(content) else {
                throw DomainError.badInput([FieldProblem(field: "body", reason: "xapi.merge-json")])
            }
            body = Data(JSONValue.object(a.merging(b) { _, new in new }).serialized().utf8)
            type = "application/json"
        } else if merge {
            guard case .object? = try? JSONValue.parse(content) else { throw DomainError.badInput([FieldProblem(field: "body", reason: "xapi.merge-json")]) }
        }
        let d = existing ?? XAPIDocument()
        if d.id == nil {
            d.id = UUID()
            d.kind = key.kind
            d.activityID = key.activityID
            d.agentKey = key.agentKey
            d.registration = key.registration
            d.docID = docID
        }
        d.content = body
        d.contentType = type
        d.etag = Digest.sha256Hex(String(decoding: body, as: UTF8.self) + type).lowercased()
        d.updatedAt = now
        do { try await d.save(on: db) } catch where existing == nil {
            throw DomainError.conflict(reason: "xapi.document-race")
        }
    }

    public func deleteDocuments(_ key: DocumentKey, caller: XAPICaller) async throws {
        try checkDocumentScope(key, caller: caller)
        if key.kind != "state" && key.docID == nil { throw DomainError.badInput([FieldProblem(field: "profileId", reason: "xapi.required")]) }
        try await documentQuery(key).delete()
    }
}
