import Foundation
import Testing
@testable import Directory

@Suite("National IDs")
struct NationalIDTests {
    @Test(arguments: ["019317100193", "001099012345", "079203000001"])
    func validVietnamesePersonalIDsPass(_ id: String) {
        #expect(NationalID.problem(id, country: "VN", birthDate: nil, gender: nil) == nil)
    }

    @Test func vietnameseIDsAreCheckedForLengthProvinceYearAndSex() {
        #expect(NationalID.problem("01931710019", country: "VN", birthDate: nil, gender: nil) == "validation.national-id.vn-format")
        #expect(NationalID.problem("01931710019A", country: "VN", birthDate: nil, gender: nil) == "validation.national-id.vn-format")
        #expect(NationalID.problem("003317100193", country: "VN", birthDate: nil, gender: nil) == "validation.national-id.vn-province")
        #expect(NationalID.problem("019317100193", country: "VN", birthDate: "2016-01-01", gender: nil) == "validation.national-id.vn-birth-year")
        #expect(NationalID.problem("019317100193", country: "VN", birthDate: "2017-01-01", gender: "male") == "validation.national-id.vn-gender")
        #expect(NationalID.problem("019317100193", country: "VN", birthDate: "2017-01-01", gender: "female") == nil)
        // ASCII digits only: Arabic-Indic digits are numbers to Swift but not to the registry.
        #expect(NationalID.problem("٠١٩٣١٧١٠٠١٩٣", country: "VN", birthDate: nil, gender: nil) == "validation.national-id.vn-format")
    }

    @Test func chineseStudentNumbersCheckTheResidentIDChecksum() {
        // 11010519491231002X is the standard's own worked example.
        #expect(NationalID.problem("G11010519491231002X", country: "CN", birthDate: nil, gender: nil) == nil)
        #expect(NationalID.problem("11010519491231002X", country: "CN", birthDate: "1949-12-31", gender: nil) == nil)
        #expect(NationalID.problem("G110105194912310021", country: "CN", birthDate: nil, gender: nil) == "validation.national-id.cn-checksum")
        #expect(NationalID.problem("G11010519491231002X", country: "CN", birthDate: "1950-01-01", gender: nil) == "validation.national-id.cn-birth-date")
        #expect(NationalID.problem("X11010519491231002X", country: "CN", birthDate: nil, gender: nil) == "validation.national-id.cn-prefix")
        #expect(NationalID.problem("G1101051949", country: "CN", birthDate: nil, gender: nil) == "validation.national-id.cn-format")
        #expect(NationalID.problem("L11010520200101ABCD", country: "CN", birthDate: nil, gender: nil) == nil)
    }

    @Test func agesCountWholeYears() {
        let day = ISO8601DateFormatter().date(from: "2026-11-22T00:00:00Z")!
        #expect(DateOnly.age(birthDate: "2010-11-22", on: day) == 16)
        #expect(DateOnly.age(birthDate: "2010-11-23", on: day) == 15)
        #expect(DateOnly.parse("2023-02-29") == nil)
        #expect(DateOnly.parse("1/05/2023") == nil)
    }
}
