import Foundation
import Crypto
import Platform
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An operator's BigBlueButton server (`EDUCOMMONS_BBB_URL`, `EDUCOMMONS_BBB_SECRET`): large
/// interactive rooms run there, and the platform makes, joins, ends and lists them through
/// its API. Every call carries a checksum: the hash of the call's name, its query string
/// and the shared secret (SHA-256 unless the server asks for another).
public struct BigBlueButtonServer: Sendable {
    /// The API's base, e.g. https://bbb.example.org/bigbluebutton/api (no trailing slash).
    public var api: String
    public var secret: String
    public var algorithm: String
    /// GET of a URL with a short timeout (the app's HTTP client): status and body.
    public var fetch: @Sendable (String) async throws -> (Int, Data)

    public init(api: String, secret: String, algorithm: String = "sha256", fetch: @escaping @Sendable (String) async throws -> (Int, Data)) {
        self.api = api.hasSuffix("/") ? String(api.dropLast()) : api
        self.secret = secret
        self.algorithm = algorithm
        self.fetch = fetch
    }

    public static let algorithms = ["sha1", "sha256", "sha384", "sha512"]

    /// hash(call + query + secret), in lower-case hex.
    public static func checksum(call: String, query: String, secret: String, algorithm: String) -> String {
        let data = Data((call + query + secret).utf8)
        let digest: [UInt8] = switch algorithm {
        case "sha1": Array(Insecure.SHA1.hash(data: data))
        case "sha384": Array(SHA384.hash(data: data))
        case "sha512": Array(SHA512.hash(data: data))
        default: Array(SHA256.hash(data: data))
        }
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    /// A query string with every value percent-encoded (only RFC 3986's unreserved
    /// characters left as they are); the checksum is over exactly this string.
    static func query(_ params: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~")
        return params.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    }

    /// The signed URL of a call.
    public func url(_ call: String, _ params: [(String, String)]) -> String {
        let q = Self.query(params)
        let sum = Self.checksum(call: call, query: q, secret: secret, algorithm: algorithm)
        return "\(api)/\(call)?\(q)\(q.isEmpty ? "" : "&")checksum=\(sum)"
    }

    /// Makes a call and reads its XML answer. A server that does not answer, or answers
    /// anything but SUCCESS, is a clear 503 naming what it said.
    func call(_ name: String, _ params: [(String, String)]) async throws -> BBBResponse {
        let status: Int, body: Data
        do { (status, body) = try await fetch(url(name, params)) } catch {
            throw DomainError.unavailable(reason: "live.bbb-unreachable")
        }
        guard status == 200, let r = BBBResponse(xml: body) else { throw DomainError.unavailable(reason: "live.bbb-unreachable") }
        guard r.value("returncode") == "SUCCESS" else {
            throw DomainError.unavailable(reason: "live.bbb-refused", arguments: [r.value("messageKey") ?? r.value("message") ?? "?"])
        }
        return r
    }
}

/// A BigBlueButton answer: the top-level values, and the recordings of getRecordings.
struct BBBResponse {
    var values: [String: String] = [:]
    var recordings: [[String: String]] = []

    func value(_ key: String) -> String? { values[key] }

    init?(xml: Data) {
        let reader = Reader()
        let parser = XMLParser(data: xml)
        // Answers are small and carry no DTD; entities stay off.
        parser.shouldResolveExternalEntities = false
        parser.delegate = reader
        guard parser.parse(), reader.path.isEmpty, !reader.values.isEmpty else { return nil }
        values = reader.values
        recordings = reader.recordings
    }

    private final class Reader: NSObject, XMLParserDelegate {
        var path: [String] = []
        var text = ""
        var values: [String: String] = [:]
        var recordings: [[String: String]] = []
        var current: [String: String]?

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            path.append(name)
            text = ""
            if name == "recording", path.dropLast().last == "recordings" { current = [:] }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
        func parser(_ parser: XMLParser, foundCDATA block: Data) { text += String(decoding: block, as: UTF8.self) }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if path.count == 2 { values[name] = value }
            if current != nil {
                if name == "recording" { recordings.append(current!); current = nil }
                // The first playback format's address is the one people open.
                else if name == "url", current?["url"] == nil { current?["url"] = value }
                else if path.count == 4 { current?[name] = value }
            }
            path.removeLast()
            text = ""
        }
    }
}
