import Foundation
import FluentKit
import SQLKit
import Platform

/// Long-lived dependencies of the Assessment area.
public struct AssessmentContext: Sendable {
    public var clock: any PlatformClock
    public var audit: AuditLog
    /// Background jobs (handing in attempts at their deadline).
    public var jobs: JobQueue
    /// Exams' papers: fixed when an exam is made, read on every save of an exam storm.
    let papers = LRUCache<Paper>(capacity: 256)
    /// Matrix exams: each attempt's own paper, derived from the attempt id (nothing stored).
    let attemptPapers = LRUCache<[PaperSlot]>(capacity: 20_000)
    /// Exams as starts read them (see `examForStart`).
    let startExams = LRUCache<StartExam>(capacity: 512)
    /// Attempts' owner, exam and state, read on every save (see `attemptState`).
    let attempts = LRUCache<AttemptState>(capacity: 50_000)
    /// SQLite's single writer, taken in the process by the exam storm's writes.
    public let writes: WriteGate
    /// Group commit of new attempts and answer saves.
    let attemptWriter: AttemptWriter

    /// `writes`: the process's one SQLite writer gate, shared with other areas' hot writes.
    public init(clock: any PlatformClock = SystemClock(), writes gate: WriteGate = WriteGate()) {
        self.clock = clock
        self.audit = AuditLog(clock: clock)
        self.jobs = JobQueue(clock: clock)
        self.writes = gate
        self.attemptWriter = AttemptWriter(gate: gate)
    }
}

/// One question of an exam's paper with its content; for a matrix exam, one question of the
/// pool and the matrix cell it may be drawn for.
struct PaperSlot: Sendable {
    var slot: Int
    var points: Double
    var content: ItemContent
    var cell: Int? = nil
    var itemID: UUID
    var version: Int
    /// Adaptive exams: the item's Rasch difficulty when the exam was made.
    var difficulty: Double? = nil
}

/// An exam's questions: the fixed paper, or a matrix exam's pool and how many questions each
/// attempt draws from each cell (`draws[c]`; empty for a fixed paper).
struct Paper: Sendable {
    var pool: [PaperSlot]
    var draws: [Int]
    var adaptive: AdaptiveSettings? = nil
}

/// An exam row and its extra times, with when they were read. The row is only read from
/// (never saved back), so sharing it between requests is safe.
struct StartExam: Sendable {
    let exam: Exam
    let extra: [UUID: Int]
    let fetchedAt: Date
}

/// What the save path needs to know of an attempt.
struct AttemptState: Sendable {
    var personID: UUID
    var examID: UUID
    var deadline: Date
    var submitted: Bool
}

/// The Assessment area's background jobs.
public enum AssessmentJobs {
    public static let deadline = "assessment.deadline"

    struct DeadlinePayload: Codable, Sendable { var attemptId: UUID }

    /// Attempts left open past their deadline are handed in by a sweep every few seconds,
    /// not by a job queued with each attempt: starting an attempt in an exam storm is then
    /// one insert, with no transaction holding the database between two statements.
    public static func sweeps(ctx: AssessmentContext, every: TimeInterval = 10) -> [Sweep] {
        [Sweep(name: "assessment.deadlines", every: every) { db in
            try await AssessmentService(db: db, ctx: ctx).closeOverdueAttempts()
        }]
    }

    /// Jobs of this area. `deadline` jobs were queued with each attempt by earlier versions
    /// (the sweep does this now); the handler stays for jobs still in a queue.
    public static func handlers(ctx: AssessmentContext) -> [String: JobWorker.Handler] {
        [deadline: { job, db in
            let p = try job.decode(DeadlinePayload.self)
            try await AssessmentService(db: db, ctx: ctx).closeAtDeadline(p.attemptId)
        }]
    }
}

public struct BankDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var name: String
    public var itemCount: Int
    public var createdAt: Date
    /// The organisation that owns it (nil: the teacher's own bank).
    public var orgId: UUID?
    public var status: String
    /// Where it is submitted or published: school, district, province or nation.
    public var scopeLevel: String?
    public var scopeOrgId: UUID?
    public var canEdit: Bool
    public var canReview: Bool
}

public struct ItemSummaryDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var type: String
    public var name: String
    public var category: String
    public var version: Int
}

/// What an import did: items added, duplicates left out, and the problems (which stopped
/// the import unless bad items were to be skipped).
public struct ItemImportReport: Sendable, Codable, Equatable {
    public var imported: Int
    public var duplicates: [String]
    public var skipped: [FormatProblem]

    public init(imported: Int, duplicates: [String], skipped: [FormatProblem]) {
        self.imported = imported
        self.duplicates = duplicates
        self.skipped = skipped
    }
}

public enum ItemFormat: String, Sendable, CaseIterable {
    case gift, moodlexml, aiken, qti3

    public var mediaType: String {
        switch self {
        case .gift, .aiken: "text/plain; charset=utf-8"
        case .moodlexml: "application/xml; charset=utf-8"
        case .qti3: "application/zip"
        }
    }
}

/// Question banks and items (issue #4, parts 1-3).
public struct AssessmentService: Sendable {
    public let db: any Database
    public let ctx: AssessmentContext

    public init(db: any Database, ctx: AssessmentContext) {
        self.db = db
        self.ctx = ctx
    }

    /// A bank of the caller's own, or with `org` one owned by that organisation (the caller
    /// authors assessments there or above it).
    public func createBank(name: String, org: OrgRef? = nil, actor: Actor) async throws -> BankDTO {
        guard let me = actor.personID, actor.grants.contains(where: { $0.capabilities.contains(.authorAssessments) }) else {
            throw DomainError.forbidden()
        }
        if let org, !Self.authorPaths(actor).contains(where: { org.path.hasPrefix($0) }) {
            throw DomainError.forbidden()
        }
        let clean = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !clean.isEmpty else { throw DomainError.invalid(field: "name", reason: "validation.required") }
        guard clean.count <= 200 else { throw DomainError.invalid(field: "name", reason: "validation.too-long", arguments: ["200"]) }
        let now = ctx.clock.now()
        let bank = QuestionBank()
        bank.id = UUIDv7.make(at: now)
        bank.name = clean
        bank.ownerID = me
        bank.itemCount = 0
        bank.createdAt = now
        bank.updatedAt = now
        bank.orgID = org?.id
        bank.orgPath = org?.path
        bank.status = BankStatus.draft.rawValue
        try await db.transaction { tx in
            try await bank.create(on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "bank.create", entityType: "question_bank", entityID: bank.id,
                                       orgID: org?.id, orgPath: org?.path ?? Self.auditPath(actor),
                                       changes: [AuditChange(field: "name", before: nil, after: clean)])
        }
        return dto(bank, actor: actor)
    }

    /// The banks the caller keeps: their own and those of organisations where they author
    /// assessments (at the organisation or above it).
    public func myBanks(actor: Actor) async throws -> [BankDTO] {
        guard let me = actor.personID else { throw DomainError.unauthenticated() }
        var banks = try await QuestionBank.query(on: db).filter(\.$ownerID == me).all()
        for p in OrgPath.minimalPrefixes(Self.authorPaths(actor)) {
            banks += try await QuestionBank.query(on: db).filter(\.$orgPath, .custom("LIKE"), p + "%").all()
        }
        let unique = Dictionary(banks.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a }).values.sorted { $0.createdAt < $1.createdAt }
        return unique.map { dto($0, actor: actor) }
    }

    public func bank(_ id: UUID, actor: Actor) async throws -> BankDTO {
        dto(try await readableBank(id, actor: actor), actor: actor)
    }

    public func items(_ bankID: UUID, actor: Actor, limit: Int? = nil, cursor: String? = nil) async throws -> ListPage<ItemSummaryDTO> {
        _ = try await readableBank(bankID, actor: actor)
        let offset = try Paging.offset(from: cursor)
        let n = Paging.clamp(limit)
        let rows = try await Item.query(on: db).filter(\.$bankID == bankID).sort(\.$position).range(offset..<(offset + n + 1)).all()
        return ListPage(items: rows.prefix(n).map { ItemSummaryDTO(id: $0.id!, type: $0.type, name: $0.name, category: $0.category, version: $0.currentVersion) },
                        nextCursor: rows.count > n ? Paging.cursor(offset: offset + n) : nil)
    }

    /// Reads a file in one of the formats. Nothing is imported from a file with problems
    /// unless `skipInvalid`; then the good items are, and the report lists the rest. An
    /// item already in the bank (same type, stem and answers, marks and case aside) is
    /// left out and named.
    public func importItems(_ bankID: UUID, format: ItemFormat, data: Data, fileName: String, skipInvalid: Bool,
                            actor: Actor) async throws -> ItemImportReport {
        _ = try await editableBank(bankID, actor: actor)
        if format != .moodlexml, format != .qti3, String(data: data, encoding: .utf8) == nil {
            throw DomainError.invalid([FieldProblem(field: "file", file: fileName, reason: "validation.csv-encoding")])
        }
        // Parsing 10,000 questions takes about a second of CPU: on a thread of its own, not
        // on an event loop that other requests are waiting for.
        let parsed: ParseResult = try await BlockingWork.run {
            switch format {
            case .gift: GIFTParser.parse(String(decoding: data, as: UTF8.self))
            case .aiken: AikenParser.parse(String(decoding: data, as: UTF8.self))
            case .moodlexml: MoodleXMLReader.parse(data)
            case .qti3: QTI3Package.read(data)
            }
        }
        if !parsed.problems.isEmpty && !skipInvalid {
            throw DomainError.invalid(parsed.problems.map {
                FieldProblem(field: $0.item ?? "file", line: $0.line, file: fileName, reason: $0.reason, arguments: [$0.detail])
            })
        }
        if parsed.items.isEmpty && parsed.problems.isEmpty {
            throw DomainError.invalid([FieldProblem(field: "file", file: fileName, reason: "validation.no-items")])
        }
        let now = ctx.clock.now()
        let existing = Set(try await db.sql.raw("SELECT fingerprint FROM items WHERE bank_id = \(bind: bankID)").all()
            .map { try $0.decode(column: "fingerprint", as: String.self) })
        var seen = existing
        var itemRows: [[any Encodable & Sendable]] = []
        var versionRows: [[any Encodable & Sendable]] = []
        var duplicates: [String] = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for p in parsed.items {
            let print = Self.fingerprint(p.content)
            guard seen.insert(print).inserted else { duplicates.append(p.content.name); continue }
            let id = UUIDv7.make(at: now)
            // The position (index 6) is added once the bank's count is reserved.
            itemRows.append([id, bankID, p.content.type.rawValue, String(p.content.name.prefix(255)), p.content.category ?? "", 1,
                             print, now, actor.personID])
            versionRows.append([UUIDv7.make(at: now), id, 1, String(decoding: try encoder.encode(p.content), as: UTF8.self), now])
        }
        let (prepared, versions, count) = (itemRows, versionRows, itemRows.count)
        try await db.transaction { tx in
            // Reserve the positions first: two imports into one bank at once get different ones.
            let reserved = try await tx.sql.raw("""
                UPDATE question_banks SET item_count = item_count + \(bind: count), updated_at = \(bind: now) WHERE id = \(bind: bankID)
                RETURNING item_count
                """).first()?.decode(column: "item_count", as: Int.self) ?? count
            let first = reserved - count
            let items: [[any Encodable & Sendable]] = prepared.enumerated().map { i, row in
                var r = row
                r.insert(first + i, at: 6)
                return r
            }
            try await tx.sql.bulkInsert(into: Item.schema, columns: ["id", "bank_id", "type", "name", "category", "current_version", "position",
                                                                   "fingerprint", "created_at", "created_by"], rows: items)
            try await tx.sql.bulkInsert(into: ItemVersion.schema, columns: ["id", "item_id", "number", "content", "created_at"], rows: versions)
            try await ctx.audit.record(on: tx, actor: actor, action: "bank.import", entityType: "question_bank", entityID: bankID,
                                       orgID: nil, orgPath: Self.auditPath(actor),
                                       changes: [AuditChange(field: "items", before: String(first), after: String(reserved)),
                                                 AuditChange(field: "format", before: nil, after: format.rawValue)])
        }
        return ItemImportReport(imported: count, duplicates: duplicates, skipped: parsed.problems)
    }

    /// The bank's items in a format, and the items that format cannot express.
    public func exportItems(_ bankID: UUID, format: ItemFormat, actor: Actor) async throws -> (data: Data, skipped: [FormatProblem]) {
        _ = try await readableBank(bankID, actor: actor)
        let rows = try await db.sql.raw("""
            SELECT v.content FROM items i JOIN item_versions v ON v.item_id = i.id AND v.number = i.current_version
            WHERE i.bank_id = \(bind: bankID) ORDER BY i.position
            """).all()
        let decoder = JSONDecoder()
        let contents = try rows.map { try decoder.decode(ItemContent.self, from: Data(try $0.decode(column: "content", as: String.self).utf8)) }
        switch format {
        case .gift:
            let out = GIFTWriter.write(contents)
            return (Data(out.text.utf8), out.skipped)
        case .moodlexml:
            return (Data(MoodleXMLWriter.write(contents).utf8), [])
        case .aiken:
            let out = AikenWriter.write(contents)
            return (Data(out.text.utf8), out.skipped)
        case .qti3:
            return QTI3Package.write(contents)
        }
    }

    /// The same question written twice: type, folded stem and answers, sorted.
    static func fingerprint(_ c: ItemContent) -> String {
        var parts = [c.type.rawValue, TextFolding.fold(c.stem.text)]
        parts += (c.choices ?? []).map { TextFolding.fold($0.text.text) }.sorted()
        parts += (c.answers ?? []).map { TextFolding.fold($0.pattern) }.sorted()
        parts += (c.numeric ?? []).map { "\($0.value)" }.sorted()
        parts += (c.pairs ?? []).map { TextFolding.fold(($0.prompt?.text ?? "") + "->" + $0.answer) }.sorted()
        parts += (c.sequence ?? []).map { TextFolding.fold($0.text) }
        if let correct = c.correct { parts.append(String(correct)) }
        return Digest.sha256Hex(parts.joined(separator: "\u{1F}"))
    }

    /// Where a person's own banks and items sit in the audit log: the place of their first
    /// role (personal banks belong to no organisation).
    static func auditPath(_ actor: Actor) -> String { actor.grants.first?.orgPath ?? "/" }

    func dto(_ b: QuestionBank, actor: Actor) -> BankDTO {
        BankDTO(id: b.id!, name: b.name, itemCount: b.itemCount, createdAt: b.createdAt, orgId: b.orgID, status: b.status,
                scopeLevel: b.scopeLevel, scopeOrgId: b.scopeOrgID, canEdit: canEdit(b, actor: actor), canReview: canReview(b, actor: actor))
    }
}

public struct ItemDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var bankId: UUID
    public var version: Int
    public var content: ItemContent
}

extension AssessmentService {
    /// Adds one item written through the API or a form.
    public func createItem(_ bankID: UUID, _ content: ItemContent, actor: Actor) async throws -> ItemDTO {
        _ = try await editableBank(bankID, actor: actor)
        try Self.validate(content)
        let now = ctx.clock.now()
        let item = Item()
        item.id = UUIDv7.make(at: now)
        item.bankID = bankID
        item.type = content.type.rawValue
        item.name = content.name
        item.category = content.category ?? ""
        item.currentVersion = 1
        item.fingerprint = Self.fingerprint(content)
        item.createdAt = now
        item.createdBy = actor.personID
        try await db.transaction { tx in
            guard try await Item.query(on: tx).filter(\.$bankID == bankID).filter(\.$fingerprint == item.fingerprint).first() == nil else {
                throw DomainError.conflict(reason: "error.item-duplicate")
            }
            let position = try await tx.sql.raw("""
                UPDATE question_banks SET item_count = item_count + 1, updated_at = \(bind: now) WHERE id = \(bind: bankID) RETURNING item_count
                """).first()?.decode(column: "item_count", as: Int.self) ?? 1
            item.position = position - 1
            try await item.create(on: tx)
            try await Self.version(item.id!, 1, content, now, on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "item.create", entityType: "item", entityID: item.id, orgID: nil,
                                       orgPath: Self.auditPath(actor), changes: [AuditChange(field: "name", before: nil, after: content.name)])
        }
        return ItemDTO(id: item.id!, bankId: bankID, version: 1, content: content)
    }

    public func item(_ id: UUID, version: Int? = nil, actor: Actor) async throws -> ItemDTO {
        guard let item = try await Item.find(id, on: db) else { throw DomainError.notFound(entity: "item") }
        _ = try await readableBank(item.bankID, actor: actor)
        let number = version ?? item.currentVersion
        guard let v = try await ItemVersion.query(on: db).filter(\.$itemID == id).filter(\.$number == number).first() else {
            throw DomainError.notFound(entity: "version")
        }
        return ItemDTO(id: id, bankId: item.bankID, version: number, content: try JSONDecoder().decode(ItemContent.self, from: Data(v.content.utf8)))
    }

    /// An edit is a new version, always: attempts (issue #4, part 5) keep the version they
    /// saw, and earlier versions stay readable. The type of an item does not change.
    public func updateItem(_ id: UUID, _ content: ItemContent, expectedVersion: Int?, actor: Actor) async throws -> ItemDTO {
        let current = try await item(id, actor: actor)
        _ = try await editableBank(current.bankId, actor: actor)
        guard content.type == current.content.type else { throw DomainError.invalid(field: "type", reason: "item.type-fixed") }
        if let expectedVersion, expectedVersion != current.version { throw DomainError.conflict(reason: "error.stale-write") }
        try Self.validate(content)
        let now = ctx.clock.now()
        let next = current.version + 1
        try await db.transaction { tx in
            // Conditional: two editors of one version cannot both make the next.
            let moved = try await tx.sql.raw("""
                UPDATE items SET current_version = \(bind: next), name = \(bind: String(content.name.prefix(255))),
                  category = \(bind: content.category ?? ""), fingerprint = \(bind: Self.fingerprint(content))
                WHERE id = \(bind: id) AND current_version = \(bind: current.version) RETURNING id
                """).first()
            guard moved != nil else { throw DomainError.conflict(reason: "error.stale-write") }
            try await Self.version(id, next, content, now, on: tx)
            try await ctx.audit.record(on: tx, actor: actor, action: "item.update", entityType: "item", entityID: id, orgID: nil,
                                       orgPath: Self.auditPath(actor),
                                       changes: [AuditChange(field: "version", before: String(current.version), after: String(next))])
        }
        return ItemDTO(id: id, bankId: current.bankId, version: next, content: content)
    }

    static func validate(_ content: ItemContent) throws {
        let problems = ItemValidator.problems(content)
        guard problems.isEmpty else { throw DomainError.invalid(problems.map { FieldProblem(field: $0.field, reason: $0.reason) }) }
    }

    static func version(_ itemID: UUID, _ number: Int, _ content: ItemContent, _ now: Date, on tx: any Database) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let v = ItemVersion()
        v.id = UUIDv7.make(at: now)
        v.itemID = itemID
        v.number = number
        v.content = String(decoding: try encoder.encode(content), as: UTF8.self)
        v.createdAt = now
        try await v.create(on: tx)
    }
}
