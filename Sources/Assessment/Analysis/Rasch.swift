import Foundation

/// The Rasch (one-parameter logistic) model: the chance that a person of ability θ answers
/// an item of difficulty b right is 1 / (1 + e^-(θ - b)). Items are calibrated from
/// right-or-wrong responses by joint maximum likelihood (JMLE, as Winsteps does), with
/// its usual (L - 1) / L correction of item difficulties; responses may be missing (a matrix
/// exam gives each pupil different items).
public enum Rasch {
    public struct ItemEstimate: Sendable, Codable, Equatable {
        /// Difficulty in logits, centred so the calibrated items average 0.
        public var difficulty: Double
        public var standardError: Double
        public var responses: Int
        /// Information-weighted and unweighted mean-square fit (near 1 is good; above
        /// about 1.5 the item behaves unlike the others).
        public var infit: Double
        public var outfit: Double
    }

    public struct Calibration: Sendable {
        /// Per item (nil: every response right or every response wrong, or too few).
        public var items: [ItemEstimate?]
        public var abilities: [Double?]
        public var iterations: Int
        public var converged: Bool
    }

    public static func probability(ability: Double, difficulty: Double) -> Double { 1 / (1 + exp(difficulty - ability)) }

    /// `responses[person][item]`: true right, false wrong, nil not asked.
    public static func calibrate(_ responses: [[Bool?]], minimumResponses: Int = 5, maxIterations: Int = 200) -> Calibration {
        let persons = responses.count
        let itemCount = responses.first?.count ?? 0
        // Extreme scores have no finite estimate: leave out, repeatedly (dropping an item
        // can make a person extreme and the other way round).
        var activeP = Array(repeating: true, count: persons)
        var activeI = Array(repeating: true, count: itemCount)
        var changed = true
        while changed {
            changed = false
            for j in 0..<itemCount where activeI[j] {
                var n = 0, s = 0
                for p in 0..<persons where activeP[p] { if let x = responses[p][j] { n += 1; s += x ? 1 : 0 } }
                if n < minimumResponses || s == 0 || s == n { activeI[j] = false; changed = true }
            }
            for p in 0..<persons where activeP[p] {
                var n = 0, s = 0
                for j in 0..<itemCount where activeI[j] { if let x = responses[p][j] { n += 1; s += x ? 1 : 0 } }
                if n == 0 || s == 0 || s == n { activeP[p] = false; changed = true }
            }
        }
        var b = Array(repeating: 0.0, count: itemCount)
        var theta = Array(repeating: 0.0, count: persons)
        for j in 0..<itemCount where activeI[j] {
            var n = 0.0, s = 0.0
            for p in 0..<persons where activeP[p] { if let x = responses[p][j] { n += 1; s += x ? 1 : 0 } }
            b[j] = log((n - s) / s)
        }
        for p in 0..<persons where activeP[p] {
            var n = 0.0, s = 0.0
            for j in 0..<itemCount where activeI[j] { if let x = responses[p][j] { n += 1; s += x ? 1 : 0 } }
            theta[p] = log(s / (n - s))
        }
        var iterations = 0
        var converged = false
        while iterations < maxIterations {
            iterations += 1
            var biggest = 0.0
            for j in 0..<itemCount where activeI[j] {
                var expected = 0.0, info = 0.0, observed = 0.0
                for p in 0..<persons where activeP[p] {
                    guard let x = responses[p][j] else { continue }
                    let pr = probability(ability: theta[p], difficulty: b[j])
                    expected += pr
                    info += pr * (1 - pr)
                    observed += x ? 1 : 0
                }
                let step = max(-1, min(1, (expected - observed) / max(info, 1e-9)))
                b[j] += step
                biggest = max(biggest, abs(step))
            }
            let active = (0..<itemCount).filter { activeI[$0] }
            let centre = active.isEmpty ? 0 : active.map { b[$0] }.reduce(0, +) / Double(active.count)
            for j in active { b[j] -= centre }
            for p in 0..<persons where activeP[p] {
                var expected = 0.0, info = 0.0, observed = 0.0
                for j in active {
                    guard let x = responses[p][j] else { continue }
                    let pr = probability(ability: theta[p], difficulty: b[j])
                    expected += pr
                    info += pr * (1 - pr)
                    observed += x ? 1 : 0
                }
                let step = max(-1, min(1, (observed - expected) / max(info, 1e-9)))
                theta[p] += step
                biggest = max(biggest, abs(step))
            }
            if biggest < 0.0005 { converged = true; break }
        }
        var items: [ItemEstimate?] = Array(repeating: nil, count: itemCount)
        let lengths = (0..<persons).filter { activeP[$0] }.map { p in (0..<itemCount).filter { activeI[$0] && responses[p][$0] != nil }.count }
        let meanLength = lengths.isEmpty ? 1 : Double(lengths.reduce(0, +)) / Double(lengths.count)
        let correction = meanLength > 1 ? (meanLength - 1) / meanLength : 1
        for j in 0..<itemCount where activeI[j] {
            var info = 0.0, n = 0, infitNum = 0.0, outfit = 0.0
            for p in 0..<persons where activeP[p] {
                guard let x = responses[p][j] else { continue }
                let pr = probability(ability: theta[p], difficulty: b[j])
                let v = pr * (1 - pr)
                let r = (x ? 1 : 0) - pr
                info += v
                infitNum += r * r
                outfit += r * r / max(v, 1e-9)
                n += 1
            }
            items[j] = ItemEstimate(difficulty: b[j] * correction, standardError: 1 / max(info, 1e-9).squareRoot(), responses: n,
                                    infit: info > 0 ? infitNum / info : 0, outfit: n > 0 ? outfit / Double(n) : 0)
        }
        return Calibration(items: items, abilities: (0..<persons).map { activeP[$0] ? theta[$0] : nil }, iterations: iterations, converged: converged)
    }

    /// Ability from answers to calibrated items, by maximum likelihood, with its standard
    /// error; while every answer so far is right (or wrong) the estimate steps by one logit
    /// from the last (the usual start of an adaptive test) and the error stays large.
    public static func ability(_ answers: [(difficulty: Double, right: Bool)], start: Double = 0) -> (theta: Double, se: Double) {
        guard !answers.isEmpty else { return (start, .infinity) }
        let rights = answers.filter(\.right).count
        var theta = start
        if rights == 0 || rights == answers.count {
            var info = 0.0
            for a in answers {
                let p = probability(ability: start, difficulty: a.difficulty)
                info += p * (1 - p)
            }
            theta = (rights == 0 ? answers.map(\.difficulty).min()! - 1 : answers.map(\.difficulty).max()! + 1)
            return (theta, 1 / max(info, 1e-9).squareRoot())
        }
        var info = 0.0
        for _ in 0..<50 {
            var expected = 0.0
            info = 0
            for a in answers {
                let p = probability(ability: theta, difficulty: a.difficulty)
                expected += p
                info += p * (1 - p)
            }
            let step = max(-1, min(1, (Double(rights) - expected) / max(info, 1e-9)))
            theta += step
            if abs(step) < 1e-4 { break }
        }
        return (theta, 1 / max(info, 1e-9).squareRoot())
    }

    /// The item with the most information at `theta` (the one whose difficulty is nearest).
    public static func mostInformative(at theta: Double, among difficulties: [Double]) -> Int? {
        difficulties.indices.max { a, b in
            let pa = probability(ability: theta, difficulty: difficulties[a]), pb = probability(ability: theta, difficulty: difficulties[b])
            return pa * (1 - pa) < pb * (1 - pb)
        }
    }
}
