import Foundation

/// Turns text into search tokens the same way for documents and queries, so both
/// databases can match with their plain full-text engines:
/// - Latin text is folded (lower case, Vietnamese diacritics removed, đ -> d), so
///   "phuong trinh" finds "Phương trình"; English words are lightly stemmed, so
///   "equations" finds "equation".
/// - Han characters have no spaces between words; each run is indexed as single
///   characters and overlapping pairs (the CJK bigram method of Lucene's CJKAnalyzer),
///   and a query run becomes its pairs, so "二次方程" finds "一元二次方程的解法".
public enum SearchText {
    /// Tokens of a document field, in order (duplicates kept: they weigh in ranking).
    public static func documentTokens(_ text: String) -> [String] {
        var out: [String] = []
        scan(text) { token, isHan in
            if isHan {
                let chars = Array(token)
                for (i, c) in chars.enumerated() {
                    out.append(String(c))
                    if i + 1 < chars.count { out.append(String(chars[i...(i + 1)])) }
                }
            } else {
                out.append(stem(token))
            }
        }
        return out
    }

    /// Tokens a query must all match: Han runs become their bigrams (a single character
    /// stays itself), Latin words are folded and stemmed. Empty for punctuation only.
    public static func queryTokens(_ text: String) -> [String] {
        var out: [String] = []
        var seen = Set<String>()
        scan(text) { token, isHan in
            var toks: [String] = []
            if isHan {
                let chars = Array(token)
                if chars.count == 1 { toks = [token] } else {
                    for i in 0..<(chars.count - 1) { toks.append(String(chars[i...(i + 1)])) }
                }
            } else {
                toks = [stem(token)]
            }
            for t in toks where seen.insert(t).inserted { out.append(t) }
        }
        return out
    }

    static func isHan(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x3040...0x30FF).contains(v)
    }

    /// Walks the text once over its decomposed scalars: combining marks are dropped
    /// (that removes Vietnamese tone and vowel marks), letters and digits build words,
    /// Han characters build runs, anything else separates.
    static func scan(_ text: String, _ emit: (String, Bool) -> Void) {
        var word = String.UnicodeScalarView()
        var han = String.UnicodeScalarView()
        func flushWord() { if !word.isEmpty { emit(String(word), false); word = String.UnicodeScalarView() } }
        func flushHan() { if !han.isEmpty { emit(String(han), true); han = String.UnicodeScalarView() } }
        for s in text.decomposedStringWithCanonicalMapping.unicodeScalars {
            let v = s.value
            if isHan(v) {
                flushWord()
                han.append(s)
                continue
            }
            let props = s.properties
            if props.generalCategory == .nonspacingMark || props.generalCategory == .spacingMark { continue }
            if v == 0x0111 || v == 0x0110 { // đ Đ
                flushHan(); word.append("d"); continue
            }
            if props.isAlphabetic || props.numericType != nil {
                flushHan()
                for l in props.lowercaseMapping.unicodeScalars { word.append(l) }
            } else {
                flushWord(); flushHan()
            }
        }
        flushWord(); flushHan()
    }

    /// A light English stemmer (plurals, -ing, -ed, final -e), applied alike to documents
    /// and queries. Vietnamese syllables never end in these suffixes, so they pass intact;
    /// words of four letters or fewer are left alone.
    static func stem(_ w: String) -> String {
        guard w.count > 4, w.unicodeScalars.allSatisfy({ $0.isASCII }) else { return w }
        var s = w
        if s.hasSuffix("ies") { s = String(s.dropLast(3)) + "y" }
        else if s.hasSuffix("sses") { s = String(s.dropLast(2)) }
        else if s.hasSuffix("s"), !s.hasSuffix("ss"), !s.hasSuffix("us"), !s.hasSuffix("is") { s = String(s.dropLast()) }
        for suffix in ["ing", "ed"] where s.hasSuffix(suffix) && s.count - suffix.count >= 3 {
            let base = s.dropLast(suffix.count)
            guard base.contains(where: { "aeiouy".contains($0) }) else { break }
            s = String(base)
            // running -> runn -> run; but keep "ll", "ss" and "zz" (spelled, fizzed).
            if let last = s.last, s.count >= 4, s.dropLast().last == last, !"lsz".contains(last) { s = String(s.dropLast()) }
            break
        }
        if s.count > 4, s.hasSuffix("e") { s = String(s.dropLast()) }
        return s
    }
}
