import Foundation
import Platform

/// Dates shown to people in their language's form: vi 06/05/2017, zh-Hans 2017年5月6日,
/// en 6 May 2017. The wire format stays YYYY-MM-DD.
struct LocaleFormat {
    let formatter: DateFormatter
    let timeFormatter: DateFormatter

    init(_ locale: AppLocale) {
        let f = DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
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
}
