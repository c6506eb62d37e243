import Foundation

/// Time-ordered UUIDs (RFC 9562 version 7) for tables written in bursts (audit, tokens),
/// so inserts land at the end of the primary-key index.
public enum UUIDv7 {
    public static func make(at date: Date = Date()) -> UUID {
        let ms = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var g = SystemRandomNumberGenerator()
        var b = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { b[i] = UInt8((ms >> (8 * (5 - UInt64(i)))) & 0xff) }
        for i in 6..<16 { b[i] = UInt8.random(in: 0...255, using: &g) }
        b[6] = (b[6] & 0x0f) | 0x70
        b[8] = (b[8] & 0x3f) | 0x80
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }
}
