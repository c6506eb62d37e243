import Foundation
import Testing
@testable import Assessment

@Suite("Item analysis and Rasch calibration")
struct AnalysisTests {
    /// A small right/wrong matrix worked by hand: 5 pupils, 4 items.
    let marks: [[Double]] = [[1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0]]

    @Test func classicalFiguresMatchAHandWorkedExample() throws {
        // Totals 3, 2, 1, 4, 0: mean 2, population variance 2. Item variances p(1-p):
        // 0.16, 0.24, 0.24, 0.16 = 0.8. KR-20 = 4/3 × (1 - 0.8/2) = 0.8.
        #expect(abs(try #require(ItemStatistics.alpha(marks)) - 0.8) < 1e-12)
        #expect(ItemStatistics.mean(marks.map { $0.reduce(0, +) }) == 2 && ItemStatistics.variance(marks.map { $0.reduce(0, +) }) == 2)
        // Item 4 against the rest (3, 2, 1, 3, 0): Sxy 1.2, Sxx 0.8, Syy 6.8.
        let d4 = try #require(ItemStatistics.discrimination(marks, item: 3))
        #expect(abs(d4 - 1.2 / (0.8 * 6.8).squareRoot()) < 1e-12)
        // An item everyone gets right says nothing about anyone.
        #expect(ItemStatistics.discrimination(marks.map { $0 + [1] }, item: 4) == nil)
        #expect(ItemStatistics.alpha([[1, 0]]) == nil && ItemStatistics.alpha([[1], [0]]) == nil)
        #expect(ItemStatistics.histogram([0, 2.5, 5, 10, 10], max: 10, bins: 4) == [1, 1, 1, 2])
        #expect(ItemStatistics.median([3, 1, 2, 10]) == 2.5)
    }

    /// SplitMix64: the same simulated pupils on every run.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
    }

    @Test func raschRecoversTheDifficultiesOfSimulatedItems() throws {
        var rng = Seeded(state: 42)
        let truth = (0..<20).map { Double($0) / 19 * 4 - 2 }  // -2 … 2 logits
        var responses: [[Bool?]] = []
        for _ in 0..<1500 {
            // Abilities roughly normal (sum of uniforms).
            let theta = (0..<6).map { _ in Double.random(in: -1...1, using: &rng) }.reduce(0, +) * 0.7
            responses.append(truth.map { b in
                // A matrix exam asks each pupil only some items: leave a quarter out.
                Double.random(in: 0..<1, using: &rng) < 0.25 ? nil : Double.random(in: 0..<1, using: &rng) < Rasch.probability(ability: theta, difficulty: b)
            })
        }
        let c = Rasch.calibrate(responses)
        #expect(c.converged)
        let est = c.items.map { $0?.difficulty ?? .nan }
        let centre = truth.reduce(0, +) / Double(truth.count)
        let worst = zip(est, truth).map { abs($0 - ($1 - centre)) }.max() ?? 99
        #expect(worst < 0.3, "largest error \(worst) logits: \(est)")
        #expect(try #require(ItemStatistics.correlation(est, truth)) > 0.99)
        #expect(c.items.allSatisfy { ($0?.infit ?? 0) > 0.8 && ($0?.infit ?? 9) < 1.2 }, "items that fit the model fit")
        #expect(c.items.allSatisfy { ($0?.standardError ?? 1) < 0.15 })
    }

    @Test func extremeItemsAndPupilsAreLeftUncalibrated() {
        // Item 0: everyone right; pupil 0: everything right.
        var r: [[Bool?]] = [[true, true, true]]
        for i in 0..<10 { r.append([true, i % 2 == 0, i % 3 == 0]) }
        let c = Rasch.calibrate(r)
        #expect(c.items[0] == nil && c.items[1] != nil && c.items[2] != nil)
        #expect(c.abilities[0] == nil)
        #expect(c.items[2]!.difficulty > c.items[1]!.difficulty, "the item fewer get right is harder")
    }

    @Test func abilityAndTheNextItem() {
        let items = [-2.0, -1, 0, 1, 2]
        #expect(Rasch.mostInformative(at: 0.9, among: items) == 3)
        let all = Rasch.ability([(0, true), (1, true)])
        #expect(all.theta == 2, "all right so far: one logit above the hardest")
        let mixed = Rasch.ability([(-1, true), (0, true), (1, false), (0.5, false)])
        #expect(mixed.theta > -0.5 && mixed.theta < 1 && mixed.se.isFinite)
    }
}
