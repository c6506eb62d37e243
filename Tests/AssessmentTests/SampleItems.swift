import Foundation
@testable import Assessment

/// One item of every type with the parts each can carry (feedback, partial marks, units,
/// distractors, gap weights, tags, a category), in several languages: what every format's
/// round trip must give back.
enum SampleItems {
    static func everyType() -> [ItemContent] {
        var items: [ItemContent] = []
        var single = ItemContent(type: .singleChoice, name: "Thủ đô", stem: RichText("Thủ đô của <b>Việt Nam</b>?", format: .html))
        single.choices = [Choice(text: RichText("Hà Nội"), fraction: 1, feedback: RichText("Đúng")), Choice(text: RichText("Huế"), fraction: 1.0 / 3),
                          Choice(text: RichText("Đà Nẵng & Hội An"), fraction: 0)]
        single.category = "Địa lí/Lớp 6"
        single.tags = ["địa lí", "thủ đô"]
        items.append(single)
        var multi = ItemContent(type: .multipleResponse, name: "Số nguyên tố", stem: RichText("Chọn các số nguyên tố"))
        multi.choices = [Choice(text: RichText("2"), fraction: 0.5), Choice(text: RichText("4"), fraction: -1), Choice(text: RichText("3"), fraction: 0.5)]
        items.append(multi)
        var tf = ItemContent(type: .trueFalse, name: "TF", stem: RichText("地球是圆的。"))
        tf.correct = true
        tf.feedbackFalse = RichText("再想想。")
        items.append(tf)
        var short = ItemContent(type: .shortAnswer, name: "SA", stem: RichText("Capital of France?"))
        short.answers = [TextAnswer(pattern: "Paris", fraction: 1), TextAnswer(pattern: "*aris", fraction: 0.5, feedback: RichText("Spelling"))]
        short.caseSensitive = false
        items.append(short)
        var num = ItemContent(type: .numeric, name: "g", stem: RichText("g = ? m/s²"))
        num.numeric = [NumericAnswer(value: 9.81, tolerance: 0.05, fraction: 1), NumericAnswer(value: 10, tolerance: 0, fraction: 0.5)]
        num.units = [NumericUnit(unit: "m/s²", multiplier: 1), NumericUnit(unit: "cm/s²", multiplier: 100)]
        num.otherwiseFeedback = RichText("Xem lại công thức")
        items.append(num)
        var match = ItemContent(type: .matching, name: "M", stem: RichText("Nối"))
        match.pairs = [MatchPair(prompt: RichText("frog"), answer: "amphibian"), MatchPair(prompt: RichText("cat"), answer: "mammal"), MatchPair(prompt: nil, answer: "insect")]
        items.append(match)
        var essay = ItemContent(type: .essay, name: "E", stem: RichText("Tả mùa xuân"))
        essay.graderInfo = RichText("Chấm theo thang 10", format: .html)
        items.append(essay)
        var order = ItemContent(type: .ordering, name: "O", stem: RichText("Sắp xếp"))
        order.sequence = [RichText("một"), RichText("hai"), RichText("ba")]
        items.append(order)
        var cloze = ItemContent(type: .cloze, name: "C", stem: RichText("Thủ đô là {{1}}; 2+2 = {{2}}; chọn {{3}}", format: .html))
        cloze.gaps = [ClozeGap(kind: .text, variant: "SHORTANSWER", weight: 1, answers: [TextAnswer(pattern: "Hà Nội", fraction: 1)]),
                      ClozeGap(kind: .numeric, variant: "NUMERICAL", weight: 2, numeric: [NumericAnswer(value: 4, tolerance: 0, fraction: 1, feedback: RichText("Đúng", format: .html))]),
                      ClozeGap(kind: .choice, variant: "MULTICHOICE_V", weight: 1, choices: [Choice(text: RichText("táo", format: .html), fraction: 1),
                                                                                             Choice(text: RichText("đá", format: .html), fraction: 0)])]
        items.append(cloze)
        return items
    }
}
