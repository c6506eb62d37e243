import Foundation

/// Classical test theory over a matrix of marks (rows: attempts, columns: questions), the
/// figures every item-analysis report shows. Pure arithmetic, so it is tested on its own.
public enum ItemStatistics {
    public static func mean(_ xs: [Double]) -> Double { xs.isEmpty ? 0 : xs.reduce(0, +) / Double(xs.count) }

    /// Population variance (n in the denominator), as KR-20 and alpha are defined.
    public static func variance(_ xs: [Double]) -> Double {
        guard xs.count > 1 else { return 0 }
        let m = mean(xs)
        return xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count)
    }

    public static func sd(_ xs: [Double]) -> Double { variance(xs).squareRoot() }

    /// Pearson correlation; nil when either side does not vary.
    public static func correlation(_ xs: [Double], _ ys: [Double]) -> Double? {
        guard xs.count == ys.count, xs.count > 2 else { return nil }
        let mx = mean(xs), my = mean(ys)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (x, y) in zip(xs, ys) {
            sxy += (x - mx) * (y - my)
            sxx += (x - mx) * (x - mx)
            syy += (y - my) * (y - my)
        }
        guard sxx > 0, syy > 0 else { return nil }
        return sxy / (sxx * syy).squareRoot()
    }

    /// Discrimination: each item's marks against the rest of the test (the total without
    /// the item itself, so an item does not correlate with its own points). For items
    /// marked right or wrong this is the point-biserial correlation.
    public static func discrimination(_ marks: [[Double]], item j: Int) -> Double? {
        let item = marks.map { $0[j] }
        let rest = marks.map { $0.reduce(0, +) - $0[j] }
        return correlation(item, rest)
    }

    /// Cronbach's alpha over complete rows; equals KR-20 when every item is right-or-wrong.
    /// Nil with fewer than two items or two rows, or a total that does not vary.
    public static func alpha(_ marks: [[Double]]) -> Double? {
        guard let k = marks.first?.count, k > 1, marks.count > 1 else { return nil }
        let itemVariances = (0..<k).map { j in variance(marks.map { $0[j] }) }.reduce(0, +)
        let total = variance(marks.map { $0.reduce(0, +) })
        guard total > 0 else { return nil }
        return Double(k) / Double(k - 1) * (1 - itemVariances / total)
    }

    /// Counts of values in `bins` equal steps from 0 to `max` (the last bin holds `max`).
    public static func histogram(_ xs: [Double], max: Double, bins: Int) -> [Int] {
        var out = Array(repeating: 0, count: bins)
        guard max > 0 else { return out }
        for x in xs {
            let b = Swift.min(bins - 1, Swift.max(0, Int((x / max * Double(bins)).rounded(.down))))
            out[b] += 1
        }
        return out
    }

    public static func median(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return 0 }
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
