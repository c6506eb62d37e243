import Foundation
import Testing
@testable import Platform

@Suite("Platform")
struct PlatformTests {
    @Test func foldingRemovesVietnameseDiacriticsAndKeepsChinese() {
        #expect(TextFolding.fold("Phương trình bậc hai") == "phuong trinh bac hai")
        #expect(TextFolding.fold("ĐẶNG  Văn   Đức") == "dang van duc")
        #expect(TextFolding.fold("一元二次方程") == "一元二次方程")
    }

    @Test func acceptLanguageIsNegotiatedByQuality() {
        #expect(AppLocale.negotiate(acceptLanguage: "fr-FR,vi;q=0.8,en;q=0.9") == .en)
        #expect(AppLocale.negotiate(acceptLanguage: "zh-CN,zh;q=0.9") == .zhHans)
        #expect(AppLocale.negotiate(acceptLanguage: "vi-VN") == .vi)
        #expect(AppLocale.negotiate(acceptLanguage: "fr, de") == nil)
        #expect(AppLocale.negotiate(acceptLanguage: "en;q=0, vi") == .vi)
    }

    @Test func grantsReachTheirSubtreeOnly() {
        let school = UUID()
        let actor = Actor(personID: UUID(), displayName: "t", grants: [
            Grant(role: .schoolAdmin, orgID: school, orgPath: "/vn/19/164/sa/", orgKind: .school),
            Grant(role: .teacher, orgID: UUID(), orgPath: "/vn/19/167/sb/", orgKind: .school),
        ])
        #expect(actor.can(.managePeople, at: "/vn/19/164/sa/a1/"))
        #expect(!actor.can(.managePeople, at: "/vn/19/164/"))
        #expect(!actor.can(.viewPeople, at: "/vn/19/167/sb/"))
        #expect(actor.prefixes(for: .viewPeople) == ["/vn/19/164/sa/"])
        #expect(OrgPath.minimalPrefixes(["/vn/19/", "/vn/", "/cn/"]).sorted() == ["/cn/", "/vn/"])
    }

    @Test func externalIdentifiersBecomeSafePathCodes() {
        #expect(OrgPath.code(fromExternal: "ORG_1") != "ORG_1")
        #expect(OrgPath.isValidCode(OrgPath.code(fromExternal: "ORG_1")))
        #expect(OrgPath.code(fromExternal: "ORG_1") != OrgPath.code(fromExternal: "ORG-1"))
        #expect(OrgPath.code(fromExternal: "org-sch-222-456") == "org-sch-222-456")
        #expect(!OrgPath.isValidCode("a/b") && !OrgPath.isValidCode("a%") && !OrgPath.isValidCode(""))
    }

    @Test func uuidV7IsTimeOrdered() {
        let a = UUIDv7.make(at: Date(timeIntervalSince1970: 1_000))
        let b = UUIDv7.make(at: Date(timeIntervalSince1970: 2_000))
        #expect(a.uuidString < b.uuidString)
        #expect(a.uuidString.dropFirst(14).first == "7")
    }
}
