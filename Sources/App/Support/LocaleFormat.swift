import Foundation
import Platform

/// Dates shown to people in their language's form: vi 06/05/2017, zh-Hans 2017年5月6日,
/// en 6 May 2017. The wire format stays YYYY-MM-DD.
struct LocaleFormat {
    let formatter: DateFormatter
    let timeFormatter: DateFormatter
    /// Vietnamese groups thousands with "." and writes decimals with ","; en and zh the other way.
    let groupSeparator: String
    let decimalSeparator: String

    /// Dates of birth and the like are calendar dates (UTC); times people act on, such as an
    /// exam's end, are shown in `timeZone`, the wall clock of the reader's country.
    init(_ locale: AppLocale, timeZone: TimeZone? = nil) {
        groupSeparator = locale == .vi ? "." : ","
        decimalSeparator = locale == .vi ? "," : "."
        let f = DateFormatter()
        f.timeZone = timeZone ?? TimeZone(identifier: "UTC")
        switch locale {
        case .vi:
            f.locale = Locale(identifier: "vi_VN")
            f.dateFormat = "dd/MM/yyyy"
        case .zhHans:
            f.locale = Locale(identifier: "zh_Hans_CN")
            f.dateFormat = "yyyy年M月d日"
        case .en:
            f.locale = Locale(identifier: "en_GB")
            f.dateFormat = "d MMM yyyy"
        }
        formatter = f
        let t = f.copy() as! DateFormatter
        t.dateFormat = f.dateFormat + " HH:mm"
        timeFormatter = t
    }

    /// A `YYYY-MM-DD` date for display; anything unparseable is shown as it is.
    func date(_ iso: String?) -> String {
        guard let iso, iso.count == 10 else { return iso ?? "" }
        let parts = iso.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, let d = Calendar(identifier: .gregorian).date(from: DateComponents(
            timeZone: TimeZone(identifier: "UTC"), year: parts[0], month: parts[1], day: parts[2])) else { return iso }
        return formatter.string(from: d)
    }

    func dateTime(_ date: Date) -> String { timeFormatter.string(from: date) }

    /// "14:05", in the formatter's time zone.
    func time(_ date: Date) -> String {
        let t = timeFormatter.copy() as! DateFormatter
        t.dateFormat = "HH:mm"
        return t.string(from: date)
    }

    func date(_ date: Date) -> String { formatter.string(from: date) }

    /// 1234567 -> "1,234,567" (vi "1.234.567"), without a formatter object per call.
    func number(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += groupSeparator }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// One decimal at most, in the reader's form: 12.5 (vi 12,5); 10 stays 10.
    func decimal(_ d: Double) -> String {
        let tenths = Int((d * 10).rounded())
        let whole = number(tenths / 10)
        return tenths % 10 == 0 ? whole : whole + decimalSeparator + String(abs(tenths % 10))
    }

    /// File sizes as people read them before downloading on a metered phone: "3.4 MB".
    func bytes(_ n: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(n)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        let text = unit == 0 || value >= 100 ? String(Int(value.rounded())) : String(format: "%.1f", value)
        return text.replacingOccurrences(of: ".", with: decimalSeparator) + " " + units[unit]
    }
}
