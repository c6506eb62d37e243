import Foundation
import Vapor
import CZlib

/// Small real files for upload tests, written here rather than copied from elsewhere.
enum TestFiles {
    /// A one-page PDF that viewers open.
    static let pdf: Data = {
        let body = """
        %PDF-1.4
        1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
        2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
        3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >> endobj
        4 0 obj << /Length 44 >> stream
        BT /F1 18 Tf 20 100 Td (Bai hoc 1) Tj ET
        endstream endobj
        5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj
        trailer << /Root 1 0 R >>
        %%EOF
        """
        return Data(body.utf8)
    }()

    /// A 1x1 PNG.
    static let png = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")!

    struct ZipEntry {
        var name: String
        var data: Data
        var deflate = false
        var symlink = false
    }

    /// A ZIP archive built by hand (stored or deflated entries, optional Unix symlink
    /// flag), so tests can make the hostile archives an upload must refuse.
    static func zip(_ entries: [ZipEntry]) -> Data {
        var out = Data()
        var central = Data()
        func u16(_ v: Int) -> Data { Data([UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)]) }
        func u32(_ v: UInt32) -> Data { Data([UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]) }
        for e in entries {
            let name = Data(e.name.utf8)
            let crc = e.data.withUnsafeBytes { UInt32(crc32(0, $0.bindMemory(to: Bytef.self).baseAddress, uInt($0.count))) }
            let payload = e.deflate ? rawDeflate(e.data) : e.data
            let method = e.deflate ? 8 : 0
            let offset = UInt32(out.count)
            out += u32(0x04034B50) + u16(20) + u16(0) + u16(method) + u16(0) + u16(0) + u32(crc)
            out += u32(UInt32(payload.count)) + u32(UInt32(e.data.count)) + u16(name.count) + u16(0) + name + payload
            let external: UInt32 = e.symlink ? UInt32(0o120777) << 16 : UInt32(0o100644) << 16
            central += u32(0x02014B50) + u16(0x0314) + u16(20) + u16(0) + u16(method) + u16(0) + u16(0) + u32(crc)
            central += u32(UInt32(payload.count)) + u32(UInt32(e.data.count)) + u16(name.count) + u16(0) + u16(0) + u16(0) + u16(0)
            central += u32(external) + u32(offset) + name
        }
        let cdOffset = out.count
        out += central
        out += u32(0x06054B50) + u16(0) + u16(0) + u16(entries.count) + u16(entries.count) + u32(UInt32(central.count)) + u32(UInt32(cdOffset)) + u16(0)
        return out
    }

    static func rawDeflate(_ input: Data) -> Data {
        var stream = z_stream()
        deflateInit2_(&stream, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        defer { deflateEnd(&stream) }
        var output = Data(count: Int(deflateBound(&stream, uLong(input.count))) + 64)
        var input = input
        let produced = input.withUnsafeMutableBytes { inPtr in
            output.withUnsafeMutableBytes { outPtr -> Int in
                stream.next_in = inPtr.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_in = uInt(inPtr.count)
                stream.next_out = outPtr.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(outPtr.count)
                _ = deflate(&stream, Z_FINISH)
                return Int(stream.total_out)
            }
        }
        return output.prefix(produced)
    }

    /// A multipart/form-data body: text fields, then at most one file.
    static func multipart(fields: [(String, String)], file: (name: String, filename: String, data: Data)?,
                          boundary: String = "ec-test-boundary-7d1a", terminate: Bool = true) -> (ByteBuffer, HTTPHeaders) {
        var body = Data()
        for (k, v) in fields {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n".utf8)
        }
        if let file {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
            body += file.data
            body += Data("\r\n".utf8)
        }
        if terminate { body += Data("--\(boundary)--\r\n".utf8) }
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        return (ByteBuffer(data: body), headers)
    }
}
