import Foundation
import CZlib

/// Reads a ZIP archive's central directory and single entries without unpacking the
/// whole archive: enough to check an uploaded package for traps and to serve one file of
/// it. Bytes come from a random-access reader so the archive can stay in the blob store.
public struct ZipArchive: Sendable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var method: UInt16
        public var flags: UInt16
        public var compressedSize: Int64
        public var uncompressedSize: Int64
        public var localHeaderOffset: Int64
        public var isSymlink: Bool
        public var isDirectory: Bool { name.hasSuffix("/") }
        public var isEncrypted: Bool { flags & 1 != 0 }
    }

    public enum Problem: Error, Equatable, Sendable {
        case notZip
        case pathTraversal(String)
        case symlink(String)
        case tooManyEntries(Int)
        case tooLarge(Int64)
        case compressionRatio(String)
        case encrypted(String)
        case unsupportedMethod(String)
        case corrupt(String)
    }

    public typealias Reader = @Sendable (_ offset: Int64, _ length: Int) throws -> Data

    public let entries: [Entry]
    /// Entry index by name: a package's files are asked for one by one, and a linear
    /// search of 20,000 entries per request adds up.
    let byName: [String: Int]
    let read: Reader

    /// Parses the central directory of an archive of `size` bytes.
    public init(size: Int64, read: @escaping Reader) throws {
        self.read = read
        guard size >= 22 else { throw Problem.notZip }
        let tailLength = Int(min(size, 65_557))
        let tail = [UInt8](try read(size - Int64(tailLength), tailLength))
        guard let eocd = stride(from: tail.count - 22, through: 0, by: -1).first(where: {
            tail[$0] == 0x50 && tail[$0 + 1] == 0x4B && tail[$0 + 2] == 0x05 && tail[$0 + 3] == 0x06
        }) else { throw Problem.notZip }
        var count = Int64(le16(tail, eocd + 10))
        var cdSize = Int64(le32(tail, eocd + 12))
        var cdOffset = Int64(le32(tail, eocd + 16))
        // ZIP64: the real figures are in the ZIP64 end record the locator points to.
        if eocd >= 20, le32(tail, eocd - 20) == 0x07064B50 {
            let recordOffset = Int64(le64(tail, eocd - 20 + 8))
            let record = [UInt8](try read(recordOffset, 56))
            guard record.count == 56, le32(record, 0) == 0x06064B50 else { throw Problem.corrupt("zip64") }
            count = Int64(le64(record, 32))
            cdSize = Int64(le64(record, 40))
            cdOffset = Int64(le64(record, 48))
        }
        guard cdOffset >= 0, cdSize >= 0, cdOffset + cdSize <= size, cdSize < 256 * 1_048_576 else { throw Problem.corrupt("central directory") }
        let cd = [UInt8](try read(cdOffset, Int(cdSize)))
        var out: [Entry] = []
        var i = 0
        while i + 46 <= cd.count, le32(cd, i) == 0x02014B50 {
            let madeBy = le16(cd, i + 4)
            let flags = le16(cd, i + 8)
            let method = le16(cd, i + 10)
            var compressed = Int64(le32(cd, i + 20))
            var uncompressed = Int64(le32(cd, i + 24))
            let nameLength = Int(le16(cd, i + 28))
            let extraLength = Int(le16(cd, i + 30))
            let commentLength = Int(le16(cd, i + 32))
            let external = le32(cd, i + 38)
            var offset = Int64(le32(cd, i + 42))
            guard i + 46 + nameLength + extraLength <= cd.count else { throw Problem.corrupt("entry \(out.count)") }
            let name = String(decoding: cd[(i + 46)..<(i + 46 + nameLength)], as: UTF8.self)
            // ZIP64 extra field: 64-bit sizes in the order of the fields that overflowed.
            var e = i + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let tag = le16(cd, e), len = Int(le16(cd, e + 2))
                if tag == 0x0001 {
                    var p = e + 4
                    if uncompressed == 0xFFFF_FFFF, p + 8 <= e + 4 + len { uncompressed = Int64(le64(cd, p)); p += 8 }
                    if compressed == 0xFFFF_FFFF, p + 8 <= e + 4 + len { compressed = Int64(le64(cd, p)); p += 8 }
                    if offset == 0xFFFF_FFFF, p + 8 <= e + 4 + len { offset = Int64(le64(cd, p)); p += 8 }
                }
                e += 4 + len
            }
            let isUnix = madeBy >> 8 == 3
            let isLink = isUnix && (external >> 16) & 0o170000 == 0o120000
            out.append(Entry(name: name, method: method, flags: flags, compressedSize: compressed, uncompressedSize: uncompressed,
                             localHeaderOffset: offset, isSymlink: isLink))
            i += 46 + nameLength + extraLength + commentLength
            if out.count > 1_000_000 { break }
        }
        guard Int64(out.count) == count || count == 0xFFFF else { throw Problem.corrupt("entry count") }
        entries = out
        byName = Dictionary(out.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// What `ZipDirectoryCache` keeps of an archive.
    public struct Directory: Sendable {
        let entries: [Entry]
        let byName: [String: Int]
    }

    /// An archive whose directory was read before (see `ZipDirectoryCache`).
    init(entries: [Entry], byName: [String: Int], read: @escaping Reader) {
        self.entries = entries
        self.byName = byName
        self.read = read
    }

    /// Refuses archives that would escape their folder, link elsewhere, or expand far
    /// beyond their size (a "zip bomb"). Run before anything is extracted or served.
    public func check(maxEntries: Int, maxUncompressed: Int64, maxRatio: Int) throws {
        if entries.count > maxEntries { throw Problem.tooManyEntries(entries.count) }
        var total: Int64 = 0
        for e in entries {
            if !Self.isSafePath(e.name) { throw Problem.pathTraversal(e.name) }
            if e.isSymlink { throw Problem.symlink(e.name) }
            if e.isEncrypted { throw Problem.encrypted(e.name) }
            if e.method != 0 && e.method != 8 { throw Problem.unsupportedMethod(e.name) }
            total += e.uncompressedSize
            if total > maxUncompressed { throw Problem.tooLarge(total) }
            if e.uncompressedSize > 1_048_576, e.uncompressedSize > Int64(maxRatio) * max(1, e.compressedSize) {
                throw Problem.compressionRatio(e.name)
            }
        }
    }

    /// Relative, no `..`, no drive letters or backslashes, no control characters.
    public static func isSafePath(_ name: String) -> Bool {
        if name.isEmpty || name.hasPrefix("/") || name.contains("\\") || name.contains("\0") { return false }
        if name.count >= 2, name.dropFirst().first == ":" { return false }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 }) { return false }
        return !name.split(separator: "/", omittingEmptySubsequences: false).contains { $0 == ".." }
    }

    public func entry(named name: String) -> Entry? {
        byName[name].map { entries[$0] }
    }

    /// The bytes of one entry, never more than its declared size (a lying header cannot
    /// make us inflate without end).
    public func data(of entry: Entry) throws -> Data {
        let header = [UInt8](try read(entry.localHeaderOffset, 30))
        guard header.count == 30, le32(header, 0) == 0x04034B50 else { throw Problem.corrupt(entry.name) }
        let start = entry.localHeaderOffset + 30 + Int64(le16(header, 26)) + Int64(le16(header, 28))
        let raw = try read(start, Int(entry.compressedSize))
        guard raw.count == Int(entry.compressedSize) else { throw Problem.corrupt(entry.name) }
        switch entry.method {
        case 0: return raw
        case 8: return try Self.inflate(raw, expected: Int(entry.uncompressedSize), name: entry.name)
        default: throw Problem.unsupportedMethod(entry.name)
        }
    }

    static func inflate(_ input: Data, expected: Int, name: String) throws -> Data {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Problem.corrupt(name)
        }
        defer { inflateEnd(&stream) }
        var output = Data(count: expected)
        if expected == 0 { return output }
        var input = input
        let status: Int32 = input.withUnsafeMutableBytes { (inPtr: UnsafeMutableRawBufferPointer) -> Int32 in
            output.withUnsafeMutableBytes { (outPtr: UnsafeMutableRawBufferPointer) -> Int32 in
                stream.next_in = inPtr.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_in = uInt(inPtr.count)
                stream.next_out = outPtr.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(outPtr.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == expected else { throw Problem.corrupt(name) }
        return output
    }
}

@inline(__always) func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
@inline(__always) func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
    UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
}
@inline(__always) func le64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(le32(b, i)) | UInt64(le32(b, i + 4)) << 32 }

extension BlobStore {
    /// A ZIP archive stored as a blob, read in ranges.
    public func zip(_ sha256: String) throws -> ZipArchive {
        guard let size = try size(sha256) else { throw ZipArchive.Problem.notZip }
        return try ZipArchive(size: size) { offset, length in try self.read(sha256, range: offset..<(offset + Int64(length))) ?? Data() }
    }

    /// The same, reusing a directory read earlier: a blob never changes under its hash,
    /// so a cached directory is always right. A package page asks for dozens of files.
    public func zip(_ sha256: String, cache: ZipDirectoryCache) throws -> ZipArchive {
        let reader: ZipArchive.Reader = { offset, length in try self.read(sha256, range: offset..<(offset + Int64(length))) ?? Data() }
        if let hit = cache.get(sha256) { return ZipArchive(entries: hit.entries, byName: hit.byName, read: reader) }
        let archive = try zip(sha256)
        cache.put(sha256, ZipArchive.Directory(entries: archive.entries, byName: archive.byName))
        return archive
    }
}

/// The central directories of recently served archives, by blob hash.
public typealias ZipDirectoryCache = LRUCache<ZipArchive.Directory>
