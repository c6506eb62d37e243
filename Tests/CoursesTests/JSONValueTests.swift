import Foundation
import Testing
@testable import Courses

@Suite("xAPI: the JSON reader and writer")
struct JSONValueTests {
    @Test func readsWhatJSONSerializationReadsAndWritesItCanonically() throws {
        let text = #"{"b": [1, 2.5, -3e2, true, false, null], "a": "Tiếng Việt \"quoted\" \\ \/ \n 一元二次方程 \ud83d\ude00", "c": {}}"#
        let v = try JSONValue.parse(Data(text.utf8))
        #expect(v["a"]?.string == "Tiếng Việt \"quoted\" \\ / \n 一元二次方程 😀")
        #expect(v["b"]?.array == [.number(1), .number(2.5), .number(-300), .bool(true), .bool(false), .null])
        let out = v.serialized()
        #expect(out.hasPrefix(#"{"a":"#) && out.contains(#""b":[1,2.5,-300,true,false,null]"#) && out.hasSuffix(#""c":{}}"#))
        // Foundation reads what it writes, and the same document gives the same bytes.
        #expect(try JSONSerialization.jsonObject(with: Data(out.utf8)) is [String: Any])
        #expect(try JSONValue.parse(Data(out.utf8)) == v)
        #expect(try JSONValue.parse(Data(#"{"c":{},"b":[1,2.5,-300,true,false,null],"a":"x"}"#.utf8)).serialized()
                == (try JSONValue.parse(Data(#"{"a":"x","b":[1,2.5,-3e2,true,false,null],"c":{}}"#.utf8))).serialized())
    }

    @Test func refusesWhatIsNotJSON() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "\"tab\tinside\"", "\"\\ud800\"", "\"\\x\"", "tru", "{} {}",
                    String(repeating: "[", count: 100) + String(repeating: "]", count: 100), "NaN", "\"\\u12\""] {
            #expect(throws: (any Error).self, "\(bad.prefix(20))") { try JSONValue.parse(Data(bad.utf8)) }
        }
    }
}
