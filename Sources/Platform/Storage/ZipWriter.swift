import Foundation
import CZlib

/// Writes a ZIP archive with stored (uncompressed) entries: enough for the demo's small
/// HTML5 simulation and e-textbook, and for EPUB, whose first entry must be stored.
public struct ZipWriter {
    private var out = Data()
    private var central = Data()
    private var count = 0

    public init() {}

    public mutating func add(_ name: String, _ data: Data) {
        let nameBytes = Data(name.utf8)
        let crc = data.withUnsafeBytes { UInt32(crc32(0, $0.bindMemory(to: Bytef.self).baseAddress, uInt($0.count))) }
        let offset = UInt32(out.count)
        // Version 20, flag bit 11 (names are UTF-8), stored, no date.
        out += u32(0x04034B50) + u16(20) + u16(0x0800) + u16(0) + u16(0) + u16(0x21) + u32(crc)
        out += u32(UInt32(data.count)) + u32(UInt32(data.count)) + u16(nameBytes.count) + u16(0) + nameBytes + data
        central += u32(0x02014B50) + u16(0x0314) + u16(20) + u16(0x0800) + u16(0) + u16(0) + u16(0x21) + u32(crc)
        central += u32(UInt32(data.count)) + u32(UInt32(data.count)) + u16(nameBytes.count) + u16(0) + u16(0) + u16(0) + u16(0)
        central += u32(UInt32(0o100644) << 16) + u32(offset) + nameBytes
        count += 1
    }

    public func finish() -> Data {
        out + central + u32(0x06054B50) + u16(0) + u16(0) + u16(count) + u16(count) + u32(UInt32(central.count)) + u32(UInt32(out.count)) + u16(0)
    }

    private func u16(_ v: Int) -> Data { Data([UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)]) }
    private func u32(_ v: UInt32) -> Data { Data([UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]) }
}
