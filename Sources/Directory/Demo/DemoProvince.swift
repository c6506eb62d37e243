import Foundation
import FluentKit
import Platform

/// A believable Vietnamese province for `serve --demo`: two districts, four schools
/// (primary, lower secondary, upper secondary, a rural primary-and-lower-secondary
/// school), a university, an online-education provider, 30 teachers and 600 pupils with
/// guardians. Deterministic: the same names and IDs on every machine.
public struct DemoProvince: Sendable {
    public struct Account: Sendable { public var username: String; public var description: String }

    public let db: any Database
    public let ctx: DirectoryContext

    public init(db: any Database, ctx: DirectoryContext) {
        self.db = db
        self.ctx = ctx
    }

    public static let accounts: [Account] = [
        Account(username: "admin", description: "national administrator (Việt Nam)"),
        Account(username: "province.official", description: "provincial official (Tỉnh Thái Nguyên)"),
        Account(username: "district.official", description: "district official (Thành phố Thái Nguyên)"),
        Account(username: "school.admin", description: "school administrator (Trường Tiểu học Đội Cấn)"),
        Account(username: "teacher", description: "teacher of class 3A at Trường Tiểu học Đội Cấn"),
        Account(username: "pupil", description: "pupil in class 3A at Trường Tiểu học Đội Cấn"),
        Account(username: "guardian", description: "guardian of the pupil above"),
        Account(username: "other.pupil", description: "pupil at Trường THCS Nha Trang (another school)"),
        Account(username: "provider.admin", description: "administrator of an online-education provider"),
        Account(username: "inspector", description: "provincial inspector"),
        Account(username: "curator", description: "curator of learning resources for the province"),
    ]

    /// Seeds only an empty database; answers nil when anything is already there.
    public func seedIfEmpty(password: String) async throws -> [Account]? {
        guard try await Organisation.query(on: db).count() == 0 else { return nil }
        let hash = try await ctx.hasher.hash(password)
        try await db.transaction { tx in
            var builder = Builder(db: tx, ctx: ctx, passwordHash: hash)
            try await builder.build()
        }
        return Self.accounts
    }
}

/// Deterministic pseudo-random numbers (SplitMix64), so the demo is the same everywhere.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private struct Builder {
    let db: any Database
    let ctx: DirectoryContext
    let passwordHash: String
    var rng = SeededRandom(state: 2026)

    init(db: any Database, ctx: DirectoryContext, passwordHash: String) {
        self.db = db
        self.ctx = ctx
        self.passwordHash = passwordHash
    }

    static let families = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Ma", "Hà", "Triệu"]
    static let maleMiddles = ["Văn", "Minh", "Đức", "Quang", "Hữu", "Gia", "Thành", "Công"]
    static let femaleMiddles = ["Thị", "Ngọc", "Thu", "Thanh", "Minh", "Khánh", "Phương", "Bảo"]
    static let maleGivens = ["An", "Bình", "Dũng", "Hải", "Hiếu", "Hùng", "Huy", "Khánh", "Long", "Minh", "Nam", "Phong", "Phúc", "Quân", "Sơn", "Trung", "Tú", "Tuấn", "Việt", "Đạt"]
    static let femaleGivens = ["Chi", "Giang", "Hà", "Hạnh", "Hoa", "Lan", "Linh", "Mai", "My", "Ngân", "Nhung", "Quỳnh", "Tâm", "Thảo", "Trang", "Vy", "Yến", "Hương", "Ánh", "Diệp"]

    var people: [Person] = []
    var accounts: [Account] = []
    var grants: [RoleGrant] = []
    var links: [Guardianship] = []
    var consents: [Consent] = []
    var idSerial = 100_000
    let rules = CountryRules(country: "VN", childAgeBelow: 16, childOwnConsentFrom: 7, familyNameFirst: true,
                             nameSeparator: " ", sortByGivenName: true, timeZone: "Asia/Ho_Chi_Minh")

    func org(_ kind: OrgKind, _ code: String, _ vi: String, _ en: String, _ zh: String, parent: Organisation?) async throws -> Organisation {
        let o = Organisation()
        o.id = UUID()
        o.kind = kind.rawValue
        o.code = code
        o.parentID = parent?.id
        o.path = OrgPath.child(of: parent?.path ?? "/", code: code)
        o.depth = (parent?.depth ?? -1) + 1
        o.name = LocalizedText(vi: vi, en: en, zhHans: zh)
        o.country = "VN"
        o.timeZone = "Asia/Ho_Chi_Minh"
        o.status = "active"
        o.attributesJSON = "{}"
        try await o.create(on: db)
        return o
    }

    mutating func person(female: Bool, birthYear: Int, org: Organisation, username: String? = nil, phone: Bool = false) -> Person {
        let p = Person()
        p.id = UUID()
        p.familyName = Self.families.randomElement(using: &rng)!
        p.middleName = (female ? Self.femaleMiddles : Self.maleMiddles).randomElement(using: &rng)!
        p.givenName = (female ? Self.femaleGivens : Self.maleGivens).randomElement(using: &rng)!
        p.nameOrder = "family-first"
        refreshNames(p)
        let month = Int.random(in: 1...12, using: &rng), day = Int.random(in: 1...28, using: &rng)
        p.birthDate = String(format: "%04d-%02d-%02d", birthYear, month, day)
        p.gender = female ? "female" : "male"
        p.country = "VN"
        // Personal ID: province 019 (Thái Nguyên), century/sex digit, year, serial.
        idSerial += 1
        let centurySex = (birthYear >= 2000 ? 2 : 0) + (female ? 1 : 0)
        p.nationalID = String(format: "019%d%02d%06d", centurySex, birthYear % 100, idSerial)
        if phone { p.phone = String(format: "09%08d", Int.random(in: 10_000_000...99_999_999, using: &rng)) }
        p.preferredLocale = "vi"
        p.orgID = org.id
        p.status = "active"
        people.append(p)
        if let username {
            let a = Account()
            a.id = UUID()
            a.personID = p.id!
            a.username = username
            a.passwordHash = passwordHash
            a.failedAttempts = 0
            a.enabled = true
            accounts.append(a)
        }
        return p
    }

    mutating func grant(_ p: Person, _ role: Role, _ org: Organisation) {
        let g = RoleGrant()
        g.id = UUID()
        g.personID = p.id!
        g.orgID = org.id!
        g.role = role.rawValue
        grants.append(g)
    }

    mutating func build() async throws {
        let vn = try await org(.nation, "vn", "Việt Nam", "Viet Nam", "越南", parent: nil)
        let province = try await org(.province, "19", "Tỉnh Thái Nguyên", "Thai Nguyen Province", "太原省", parent: vn)
        let city = try await org(.district, "164", "Thành phố Thái Nguyên", "Thai Nguyen City", "太原市", parent: province)
        let rural = try await org(.district, "167", "Huyện Định Hóa", "Dinh Hoa District", "定化县", parent: province)
        let primary = try await org(.school, "19164101", "Trường Tiểu học Đội Cấn", "Doi Can Primary School", "队艮小学", parent: city)
        let lower = try await org(.school, "19164201", "Trường THCS Nha Trang", "Nha Trang Lower Secondary School", "芽庄初级中学", parent: city)
        let upper = try await org(.school, "19164301", "Trường THPT Chuyên Thái Nguyên", "Thai Nguyen Specialised Upper Secondary School", "太原专科高中", parent: city)
        let remote = try await org(.school, "19167101", "Trường PTDTBT TH và THCS Bảo Linh", "Bao Linh Ethnic Boarding Primary and Lower Secondary School", "宝灵民族寄宿中小学", parent: rural)
        let university = try await org(.university, "dhtn", "Đại học Thái Nguyên", "Thai Nguyen University", "太原大学", parent: province)
        let provider = try await org(.provider, "saomai", "Công ty Cổ phần Học trực tuyến Sao Mai", "Sao Mai Online Learning JSC", "晨星在线学习股份公司", parent: province)

        // Classes and their grades; 600 pupils spread over them.
        let plan: [(Organisation, [(String, Int)])] = [
            (primary, [("1A", 1), ("2A", 2), ("3A", 3), ("4A", 4), ("5A", 5)]),
            (lower, [("6A", 6), ("7A", 7), ("8A", 8), ("9A", 9)]),
            (upper, [("10A1", 10), ("11A1", 11), ("12A1", 12)]),
            (remote, [("1A", 1), ("3A", 3), ("6A", 6), ("8A", 8)]),
        ]
        var classes: [(Organisation, Organisation, Int)] = []
        for (school, list) in plan {
            for (name, grade) in list {
                let c = try await org(.class, name.lowercased(), "Lớp \(name)", "Class \(name)", "\(name)班", parent: school)
                classes.append((school, c, grade))
            }
        }

        // Named demo accounts first, so they are easy to find.
        let admin = person(female: true, birthYear: 1978, org: vn, username: "admin", phone: true)
        grant(admin, .administrator, vn)
        let po = person(female: false, birthYear: 1975, org: province, username: "province.official", phone: true)
        grant(po, .official, province)
        let dofc = person(female: true, birthYear: 1982, org: city, username: "district.official", phone: true)
        grant(dofc, .official, city)
        let sa = person(female: true, birthYear: 1979, org: primary, username: "school.admin", phone: true)
        grant(sa, .schoolAdmin, primary)
        let inspector = person(female: false, birthYear: 1980, org: province, username: "inspector", phone: true)
        grant(inspector, .inspector, province)
        let curator = person(female: true, birthYear: 1984, org: province, username: "curator", phone: true)
        grant(curator, .curator, province)
        let pa = person(female: false, birthYear: 1988, org: provider, username: "provider.admin", phone: true)
        grant(pa, .providerAdmin, provider)
        let uniAdmin = person(female: false, birthYear: 1970, org: university, phone: true)
        grant(uniAdmin, .schoolAdmin, university)
        for (school, _) in plan where school.id != primary.id {
            let principal = person(female: Bool.random(using: &rng), birthYear: 1972, org: school, phone: true)
            grant(principal, .schoolAdmin, school)
        }

        // 30 teachers; each class has a homeroom teacher and one or two subject teachers.
        var teachers: [UUID: [Person]] = [:]
        let perSchool = [(primary, 9), (lower, 8), (upper, 7), (remote, 6)]
        var serial = 0
        for (school, count) in perSchool {
            for i in 0..<count {
                serial += 1
                let username = (school.id == primary.id && i == 0) ? "teacher" : String(format: "gv%02d", serial)
                let t = person(female: Bool.random(using: &rng), birthYear: Int.random(in: 1970...1998, using: &rng), org: school, username: username, phone: true)
                grant(t, .teacher, school)
                teachers[school.id!, default: []].append(t)
            }
        }
        var namedPupilDone = false, otherPupilDone = false
        let pupilsPerClass = 600 / classes.count
        var extra = 600 - pupilsPerClass * classes.count
        for (index, (school, cls, grade)) in classes.enumerated() {
            let staff = teachers[school.id!]!
            let homeroom = (school.id == primary.id && grade == 3) ? staff[0] : staff[index % staff.count]
            grant(homeroom, .homeroomTeacher, cls)
            grant(homeroom, .teacher, cls)
            let subject = staff[(index + 3) % staff.count]
            if subject.id != homeroom.id { grant(subject, .teacher, cls) }
            let count = pupilsPerClass + (extra > 0 ? 1 : 0)
            extra -= 1
            for _ in 0..<count {
                var username: String?
                if !namedPupilDone && school.id == primary.id && grade == 3 { username = "pupil"; namedPupilDone = true }
                else if !otherPupilDone && school.id == lower.id { username = "other.pupil"; otherPupilDone = true }
                let female = Bool.random(using: &rng)
                let pupil = person(female: female, birthYear: 2026 - 6 - grade, org: school, username: username)
                grant(pupil, .pupil, school)
                grant(pupil, .pupil, cls)
                let mother = Bool.random(using: &rng)
                let guardian = person(female: mother, birthYear: Int.random(in: 1978...1995, using: &rng), org: school,
                                      username: username == "pupil" ? "guardian" : nil, phone: true)
                // A Vietnamese child usually carries the father's family name.
                if !mother { guardian.familyName = pupil.familyName; refreshNames(guardian) }
                grant(guardian, .guardian, school)
                let link = Guardianship()
                link.id = UUID()
                link.guardianID = guardian.id!
                link.pupilID = pupil.id!
                link.relationship = mother ? "mother" : "father"
                link.orgID = school.id
                links.append(link)
                if username == "pupil" {
                    let c = Consent()
                    c.id = UUID()
                    c.subjectID = pupil.id!
                    c.purpose = ConsentPurpose.familyMessages.rawValue
                    c.grantedByID = guardian.id!
                    c.grantedByRelationship = "guardian"
                    c.childAgreed = true
                    c.policyVersion = "1"
                    c.grantedAt = ctx.clock.now()
                    c.orgID = school.id
                    consents.append(c)
                }
            }
        }
        for chunk in people.chunked(200) { try await Array(chunk).create(on: db) }
        for chunk in accounts.chunked(300) { try await Array(chunk).create(on: db) }
        for chunk in grants.chunked(300) { try await Array(chunk).create(on: db) }
        for chunk in links.chunked(300) { try await Array(chunk).create(on: db) }
        try await consents.create(on: db)
        try await ctx.audit.record(on: db, actor: .system("demo"), action: "demo.seed", entityType: "organisation",
                                   entityID: vn.id, orgID: vn.id, orgPath: vn.path,
                                   changes: [AuditChange(field: "people", before: nil, after: String(people.count))])
    }

    func refreshNames(_ p: Person) {
        NameFields(family: p.familyName, middle: p.middleName, given: p.givenName, rules: rules).apply(to: p)
    }
}
