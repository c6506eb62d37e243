import Foundation
import Platform

/// Validates national learner and staff identifiers by country. The rules come from
/// DOMAIN-RULES.md §4 (Vietnam: 12-digit personal ID, Circular 42/2021; China: student
/// number "G" + 18-character resident ID, or "J"/"L" variants).
public enum NationalID {
    /// Why an ID was refused, as a localisation key.
    public static func problem(_ raw: String, country: String, birthDate: String?, gender: String?) -> String? {
        let id = raw.trimmingCharacters(in: .whitespaces).uppercased()
        switch country.uppercased() {
        case "VN": return vietnam(id, birthDate: birthDate, gender: gender)
        case "CN": return china(id, birthDate: birthDate)
        default:
            // Other countries: bounded printable identifier until their rule is configured.
            return (1...40).contains(id.count) && id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" })
                ? nil : "validation.national-id.format"
        }
    }

    public static func normalise(_ raw: String) -> String {
        raw.trimmingCharacters(in: .whitespaces).uppercased()
    }

    // Province codes of the Vietnamese personal ID (Circular 07/2016/TT-BCA, annex).
    static let vnProvinceCodes: Set<String> = [
        "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022",
        "024", "025", "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042",
        "044", "045", "046", "048", "049", "051", "052", "054", "056", "058", "060", "062", "064", "066",
        "067", "068", "070", "072", "074", "075", "077", "079", "080", "082", "083", "084", "086", "087",
        "089", "091", "092", "093", "094", "095", "096",
    ]

    static func vietnam(_ id: String, birthDate: String?, gender: String?) -> String? {
        guard id.count == 12, id.allSatisfy(\.isASCII), id.allSatisfy(\.isNumber) else {
            return "validation.national-id.vn-format"
        }
        let digits = Array(id)
        guard vnProvinceCodes.contains(String(digits[0..<3])) else { return "validation.national-id.vn-province" }
        // 4th digit: century and sex (0/1 = 1900s male/female, 2/3 = 2000s, ...).
        let cs = Int(String(digits[3]))!
        let century = 1900 + (cs / 2) * 100
        let year = century + Int(String(digits[4...5]))!
        if let birthDate, birthDate.count >= 4, let by = Int(birthDate.prefix(4)), by != year {
            return "validation.national-id.vn-birth-year"
        }
        if let gender, gender == "male" || gender == "female" {
            let isFemale = cs % 2 == 1
            if (gender == "female") != isFemale { return "validation.national-id.vn-gender" }
        }
        return nil
    }

    static func china(_ id: String, birthDate: String?) -> String? {
        var body = id
        if let first = id.first, first.isLetter {
            body = String(id.dropFirst())
            switch first {
            case "G":
                break // full resident-ID check below
            case "J", "L":
                return body.count == 18 && body.allSatisfy({ $0.isASCII && ($0.isNumber || $0.isLetter) })
                    ? nil : "validation.national-id.cn-format"
            default:
                return "validation.national-id.cn-prefix"
            }
        }
        guard body.count == 18 else { return "validation.national-id.cn-format" }
        let chars = Array(body)
        guard chars[0..<17].allSatisfy({ $0.isASCII && $0.isNumber }),
              chars[17].isASCII, chars[17].isNumber || chars[17] == "X" else {
            return "validation.national-id.cn-format"
        }
        // ISO 7064 MOD 11-2 check character (GB 11643-1999).
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(chars[0..<17], weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        let check = Array("10X98765432")[sum % 11]
        guard check == chars[17] else { return "validation.national-id.cn-checksum" }
        let embedded = String(chars[6..<14])
        guard DateOnly.parse("\(embedded.prefix(4))-\(embedded.dropFirst(4).prefix(2))-\(embedded.suffix(2))") != nil else {
            return "validation.national-id.cn-birth-date"
        }
        if let birthDate, birthDate.replacingOccurrences(of: "-", with: "") != embedded {
            return "validation.national-id.cn-birth-date"
        }
        return nil
    }
}

/// Calendar dates as `YYYY-MM-DD` strings, the wire format for dates.
public enum DateOnly {
    /// Parses without a Calendar: imports check hundreds of thousands of dates, and a
    /// Calendar per call cost more than the rest of the import's checks together.
    public static func parse(_ s: String) -> DateComponents? {
        let u = Array(s.utf8)
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-") else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var n = 0
            for i in r {
                guard (48...57).contains(u[i]) else { return nil }
                n = n * 10 + Int(u[i] - 48)
            }
            return n
        }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10), y >= 1900, (1...12).contains(m), d >= 1 else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        guard d <= days else { return nil }
        return DateComponents(year: y, month: m, day: d)
    }

    /// Whole years between a birth date and `today`.
    public static func age(birthDate: String, on today: Date) -> Int? {
        guard let b = parse(birthDate), let by = b.year, let bm = b.month, let bd = b.day else { return nil }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let t = cal.dateComponents([.year, .month, .day], from: today)
        var age = t.year! - by
        if (t.month!, t.day!) < (bm, bd) { age -= 1 }
        return age
    }
}
