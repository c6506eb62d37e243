import Foundation
import FluentKit
import SQLKit
import Platform
import Directory

public struct CurriculumDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var code: String
    public var country: String
    public var name: LocalizedText
    public var displayName: String
    public var lessons: Int
}

public struct CurriculumNodeDTO: Sendable, Codable, Equatable {
    public var id: UUID
    public var kind: String
    public var code: String
    public var path: String
    public var name: String
    public var subject: String
    public var grade: String
}

public struct CoverageRow: Sendable, Codable, Equatable {
    public var subject: String
    public var subjectName: String
    public var grade: String
    public var gradeName: String
    public var lessons: Int
    public var covered: Int
    /// covered / lessons, 0...1.
    public var share: Double
}

public struct CoverageDTO: Sendable, Codable {
    public var curriculum: CurriculumDTO
    public var scopeOrgId: UUID
    public var lessons: Int
    public var covered: Int
    public var share: Double
    public var rows: [CoverageRow]
}

/// Curriculum frameworks (subject > grade > [series > edition >] unit > lesson), imported
/// from CSV, and the coverage report: the share of lessons with at least one published
/// resource available in a scope.
extension LibraryService {
    static let nodeLevels = ["subject", "grade", "series", "edition", "unit", "lesson"]

    /// Imports (or replaces the nodes of) a framework from CSV with the columns subject,
    /// grade, [series, edition,] unit, lesson, name_vi, name_en, name_zh. Each row names
    /// the deepest level it fills; missing parents are created with their code as name.
    /// Any bad row refuses the whole file, with every problem listed.
    public func importCurriculum(code: String, country: String, name: LocalizedText, csv: Data, fileName: String,
                                 actor: Actor) async throws -> CurriculumDTO {
        guard actor.isSystem || actor.grants.contains(where: { $0.role == .administrator }) else { throw DomainError.forbidden() }
        var problems = name.problems(field: "name")
        if !OrgPath.isValidCode(code) { problems.append(FieldProblem(field: "code", reason: "validation.code")) }
        if country.count != 2 { problems.append(FieldProblem(field: "country", reason: "validation.country")) }
        let table: CSVTable
        do { table = try CSVTable.parse(csv, fileName: fileName) } catch CSVTable.ParseError.unterminatedQuote(let line) {
            throw DomainError.invalid([FieldProblem(field: "", line: line, file: fileName, reason: "validation.csv-quote")])
        } catch { throw DomainError.invalid([FieldProblem(field: "", file: fileName, reason: "validation.csv-encoding")]) }
        let columns = Dictionary(table.headers.enumerated().map { (CSVTable.normaliseHeader($1), $0) }, uniquingKeysWith: { a, _ in a })
        for required in ["subject", "grade", "unit", "lesson"] where columns[required] == nil {
            problems.append(FieldProblem(field: required, line: 1, file: fileName, reason: "validation.csv-column-missing", arguments: [required]))
        }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }

        struct Node { var kind: String; var code: String; var path: String; var parent: String?; var name: LocalizedText; var position: Int
                      var subject: String; var grade: String }
        var nodes: [String: Node] = [:]
        var order: [String] = []
        for row in table.rows {
            func v(_ k: String) -> String {
                guard let i = columns[k], i < row.values.count else { return "" }
                return row.values[i].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let subject = v("subject"), grade = v("grade")
            if ctx.rules.subjects[subject] == nil {
                problems.append(FieldProblem(field: "subject", line: row.line, file: fileName, reason: "validation.subject-unknown", arguments: [subject]))
            }
            if ctx.rules.grades[grade] == nil {
                problems.append(FieldProblem(field: "grade", line: row.line, file: fileName, reason: "validation.grade-unknown", arguments: [grade]))
            }
            var path = ""
            var parent: String?
            var deepest: (String, String, String)?
            for level in Self.nodeLevels {
                let c = v(level)
                guard !c.isEmpty else { continue }
                guard OrgPath.isValidCode(c) else {
                    problems.append(FieldProblem(field: level, line: row.line, file: fileName, reason: "validation.code")); break
                }
                path += c + "/"
                if nodes[path] == nil {
                    nodes[path] = Node(kind: level, code: c, path: path, parent: parent, name: LocalizedText(["en": c]), position: order.count,
                                       subject: subject, grade: level == "subject" ? "" : grade)
                    order.append(path)
                }
                parent = path
                deepest = (level, c, path)
            }
            guard let (_, _, deepestPath) = deepest else { continue }
            let text = LocalizedText(vi: v("namevi"), en: v("nameen"), zhHans: v("namezh").isEmpty ? v("namezhhans") : v("namezh"))
            if !text.isEmpty { nodes[deepestPath]?.name = text }
        }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        guard order.contains(where: { nodes[$0]?.kind == "lesson" }) else {
            throw DomainError.invalid([FieldProblem(field: "lesson", file: fileName, reason: "validation.curriculum-no-lessons")])
        }
        let now = ctx.clock.now()
        let (planned, plannedOrder) = (nodes, order)
        let frameworkID: UUID = try await db.transaction { tx in
            let fw = try await CurriculumFramework.query(on: tx).filter(\.$code == code).first() ?? CurriculumFramework()
            if fw.id == nil { fw.id = UUIDv7.make(at: now); fw.createdAt = now }
            fw.code = code
            fw.country = country.uppercased()
            fw.name = name.jsonString()
            try await fw.save(on: tx)
            // Existing nodes keep their ids (resources are aligned to them); new ones are added.
            let existing = try await CurriculumNode.query(on: tx).filter(\.$frameworkID == fw.id!).all()
            var ids = Dictionary(uniqueKeysWithValues: existing.map { ($0.path, $0) })
            for path in plannedOrder {
                let n = planned[path]!
                let node = ids[path] ?? CurriculumNode()
                if node.id == nil { node.id = UUIDv7.make(at: now) }
                node.frameworkID = fw.id!
                node.parentID = n.parent.flatMap { ids[$0]?.id }
                node.kind = n.kind
                node.code = n.code
                node.path = n.path
                node.name = n.name.jsonString()
                node.position = n.position
                node.subject = n.subject
                node.grade = n.grade
                try await node.save(on: tx)
                ids[path] = node
            }
            try await ctx.audit.record(on: tx, actor: actor, action: "curriculum.import", entityType: "curriculum", entityID: fw.id,
                                       orgID: nil, orgPath: "/", changes: [AuditChange(field: "nodes", before: String(existing.count), after: String(ids.count))])
            return fw.id!
        }
        return try await curriculum(frameworkID, locale: actor.locale)
    }

    public func curricula(locale: AppLocale) async throws -> [CurriculumDTO] {
        var out: [CurriculumDTO] = []
        for fw in try await CurriculumFramework.query(on: db).sort(\.$code).all() { out.append(try await curriculum(fw.id!, locale: locale)) }
        return out
    }

    public func curriculum(_ id: UUID, locale: AppLocale) async throws -> CurriculumDTO {
        guard let fw = try await CurriculumFramework.find(id, on: db) else { throw DomainError.notFound(entity: "curriculum") }
        let lessons = try await CurriculumNode.query(on: db).filter(\.$frameworkID == id).filter(\.$kind == "lesson").count()
        let name = LocalizedText.fromJSON(fw.name)
        return CurriculumDTO(id: id, code: fw.code, country: fw.country, name: name, displayName: name.pick(locale), lessons: lessons)
    }

    /// Children of a node (or the subjects), for alignment pickers.
    public func curriculumNodes(_ id: UUID, parent: UUID?, locale: AppLocale) async throws -> [CurriculumNodeDTO] {
        _ = try await curriculum(id, locale: locale)
        var q = CurriculumNode.query(on: db).filter(\.$frameworkID == id)
        q = parent.map { p in q.filter(\.$parentID == p) } ?? q.filter(\.$parentID == nil)
        return try await q.sort(\.$position).all().map {
            CurriculumNodeDTO(id: $0.id!, kind: $0.kind, code: $0.code, path: $0.path, name: LocalizedText.fromJSON($0.name).pick(locale),
                              subject: $0.subject, grade: $0.grade)
        }
    }

    /// The share of the framework's lessons that have at least one published resource
    /// available in the scope: published at the scope organisation or above it, or
    /// anywhere inside it. A resource aligned to a unit covers the unit's lessons.
    public func coverage(_ id: UUID, scopeOrgID: UUID, actor: Actor) async throws -> CoverageDTO {
        let fw = try await curriculum(id, locale: actor.locale)
        let org = try await directory.organisation(scopeOrgID, actor: actor)
        let ancestors = OrgPath.selfAndAncestors(org.path)
        let inScope: SQLQueryString = "(r.scope_path IN (" + ancestors.map { SQLQueryString("\(bind: $0)") }.joined(separator: ", ")
            + ") OR r.scope_path LIKE \(bind: org.path + "%"))"
        let covering: SQLQueryString = """
            SELECT 1 FROM resource_alignments a JOIN curriculum_nodes n ON n.id = a.node_id JOIN resources r ON r.id = a.resource_id
            WHERE n.framework_id = l.framework_id AND r.published_version IS NOT NULL AND (n.id = l.id OR l.path LIKE n.path || '%') AND
            """ + inScope
        let rows = try await db.sql.raw("SELECT l.subject, l.grade, COUNT(*) AS lessons, SUM(CASE WHEN EXISTS (" + covering
            + ") THEN 1 ELSE 0 END) AS covered FROM curriculum_nodes l WHERE l.framework_id = \(bind: id) AND l.kind = 'lesson' GROUP BY l.subject, l.grade").all()
        let gradeRank = Dictionary(uniqueKeysWithValues: ctx.rules.gradeOrder.enumerated().map { ($1, $0) })
        var out: [CoverageRow] = []
        for row in rows {
            let subject = try row.decode(column: "subject", as: String.self)
            let grade = try row.decode(column: "grade", as: String.self)
            let lessons = try row.decode(column: "lessons", as: Int.self)
            let covered = try row.decode(column: "covered", as: Int?.self) ?? 0
            out.append(CoverageRow(subject: subject, subjectName: ctx.rules.subjects[subject]?.pick(actor.locale) ?? subject, grade: grade,
                                   gradeName: ctx.rules.grades[grade]?.pick(actor.locale) ?? grade, lessons: lessons, covered: covered,
                                   share: lessons == 0 ? 0 : Double(covered) / Double(lessons)))
        }
        out.sort { ($0.subjectName, gradeRank[$0.grade] ?? 999) < ($1.subjectName, gradeRank[$1.grade] ?? 999) }
        let lessons = out.reduce(0) { $0 + $1.lessons }, covered = out.reduce(0) { $0 + $1.covered }
        return CoverageDTO(curriculum: fw, scopeOrgId: org.id, lessons: lessons, covered: covered,
                           share: lessons == 0 ? 0 : Double(covered) / Double(lessons), rows: out)
    }
}
