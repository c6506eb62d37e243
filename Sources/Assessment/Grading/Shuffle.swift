import Foundation
import Platform

/// The order a pupil sees choices, sequences and questions in: a permutation derived from
/// the attempt and the slot, so it is the same on every device and reload without being
/// stored, and different from pupil to pupil. `display index -> item index`.
public enum Shuffle {
    public static func permutation(_ count: Int, attempt: UUID, key: String) -> [Int] {
        guard count > 1 else { return Array(0..<count) }
        var attemptNo = 0
        while true {
            var state = UInt64(Digest.sha256Hex("\(attempt.uuidString)|\(key)|\(attemptNo)").prefix(16), radix: 16) ?? 0
            var p = Array(0..<count)
            // Fisher-Yates with SplitMix64: stable across platforms and releases, unlike the
            // standard library's generator.
            for i in stride(from: count - 1, to: 0, by: -1) {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                z ^= z >> 31
                p.swapAt(i, Int(z % UInt64(i + 1)))
            }
            // An ordering question shown in its right order would give the answer away.
            if p != Array(0..<count) || key.hasPrefix("q") { return p }
            attemptNo += 1
        }
    }

    public static func inverse(_ p: [Int]) -> [Int] {
        var inv = Array(repeating: 0, count: p.count)
        for (d, i) in p.enumerated() { inv[i] = d }
        return inv
    }
}
