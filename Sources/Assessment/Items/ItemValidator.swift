import Foundation

/// Whether an item can be answered and marked, whatever it came from (a form, the API, a
/// file). Problems name the part (`choices`, `answers[2]`, …) and a reason code.
public enum ItemValidator {
    public static func problems(_ c: ItemContent) -> [(field: String, reason: String)] {
        var out: [(String, String)] = []
        func need(_ ok: Bool, _ field: String, _ reason: String) { if !ok { out.append((field, reason)) } }
        need(!c.name.trimmingCharacters(in: .whitespaces).isEmpty, "name", "validation.required")
        need(c.name.count <= 255, "name", "item.too-long")
        need(!c.stem.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "stem", "validation.required")
        need(c.stem.text.count <= 100_000, "stem", "item.too-long")
        switch c.type {
        case .singleChoice:
            let choices = c.choices ?? []
            need(choices.count >= 2, "choices", "item.too-few-choices")
            need(choices.filter { $0.fraction == 1 }.count == 1, "choices", "item.one-right-choice")
            need(choices.allSatisfy { (0...1).contains($0.fraction) }, "choices", "item.fraction-range")
        case .multipleResponse:
            let choices = c.choices ?? []
            need(choices.count >= 2, "choices", "item.too-few-choices")
            let positive: Double = choices.map(\.fraction).filter { $0 > 0 }.reduce(0, +)
            need(abs(positive - 1) < 0.01, "choices", "item.weights-not-100")
            need(choices.allSatisfy { (-1...1).contains($0.fraction) }, "choices", "item.fraction-range")
        case .trueFalse:
            need(c.correct != nil, "correct", "validation.required")
        case .shortAnswer:
            let answers = c.answers ?? []
            need(answers.contains { $0.fraction == 1 }, "answers", "item.no-full-mark")
            need(answers.allSatisfy { !$0.pattern.isEmpty && (0...1).contains($0.fraction) }, "answers", "item.fraction-range")
        case .numeric:
            let list = c.numeric ?? []
            need(list.contains { $0.fraction == 1 }, "numeric", "item.no-full-mark")
            need(list.allSatisfy { $0.value.isFinite && $0.tolerance >= 0 && $0.tolerance.isFinite }, "numeric", "item.bad-number")
            need((c.units ?? []).allSatisfy { !$0.unit.isEmpty && $0.multiplier > 0 }, "units", "item.bad-number")
        case .matching:
            let pairs = c.pairs ?? []
            need(pairs.filter { $0.prompt != nil }.count >= 2, "pairs", "item.too-few-pairs")
            need(pairs.allSatisfy { !$0.answer.isEmpty }, "pairs", "validation.required")
        case .ordering:
            need((c.sequence ?? []).count >= 2, "sequence", "item.too-few-choices")
        case .cloze:
            let gaps = c.gaps ?? []
            need(!gaps.isEmpty, "gaps", "cloze.no-gaps")
            for i in gaps.indices { need(c.stem.text.contains("{{\(i + 1)}}"), "gaps[\(i)]", "item.gap-not-in-stem") }
            for (i, g) in gaps.enumerated() {
                let full: Bool = switch g.kind {
                case .choice: (g.choices ?? []).count >= 2 && (g.choices ?? []).contains { $0.fraction == 1 }
                case .text: (g.answers ?? []).contains { $0.fraction == 1 }
                case .numeric: (g.numeric ?? []).contains { $0.fraction == 1 }
                }
                need(full, "gaps[\(i)]", "cloze.no-full-mark")
            }
        case .essay:
            break
        }
        return out
    }
}
