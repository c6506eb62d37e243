import Foundation
import Testing
@testable import Directory

@Suite("CSV as real exports write it")
struct CSVTableTests {
    @Test func bomCRLFQuotesAndMissingFinalNewline() throws {
        let text = "\u{FEFF}sourcedId , Status,GRADES\r\na,active,\"09,10,11\"\r\nb,,\"say \"\"hi\"\"\nthere\"\r\nc,tobedeleted,12"
        let t = try CSVTable.parse(Data(text.utf8), fileName: "x.csv")
        #expect(t.headers.count == 3)
        #expect(t.column("sourcedId") == 0)
        #expect(t.column("status") == 1)
        #expect(t.column("grades") == 2)
        #expect(t.rows.map(\.values) == [["a", "active", "09,10,11"], ["b", "", "say \"hi\"\nthere"], ["c", "tobedeleted", "12"]])
        #expect(t.rows.map(\.line) == [2, 3, 5])
    }

    @Test func unterminatedQuoteNamesItsLine() {
        #expect(throws: CSVTable.ParseError.unterminatedQuote(line: 3)) {
            try CSVTable.parse(Data("a,b\n1,2\n3,\"4\n".utf8), fileName: "x.csv")
        }
    }

    @Test func nonUTF8IsRefused() {
        #expect(throws: CSVTable.ParseError.notUTF8) { try CSVTable.parse(Data([0x61, 0xff, 0xfe, 0x0a]), fileName: "x.csv") }
    }
}

@Suite("OneRoster vocabularies")
struct ORVocabularyTests {
    @Test(arguments: ["2023-05-01T18:25:43.511Z", "2023-05-01T18:25:43Z", "2023-05-01", "2023-05-01T18:25:43+07:00"])
    func acceptedDateTimes(_ s: String) { #expect(ORVocabulary.isDateTime(s)) }

    @Test(arguments: ["1/05/2023", "2023-05-01T18:25", "2023-13-01T00:00:00Z", "2023-05-01T25:00:00Z", "2023-05-01T18:25:43.Z", "2023-05-01T18:25:43", ""])
    func refusedDateTimes(_ s: String) { #expect(!ORVocabulary.isDateTime(s)) }
}
