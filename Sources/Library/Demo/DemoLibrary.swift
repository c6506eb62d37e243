import Foundation
import FluentKit
import Platform
import Directory

/// A few dozen resources for `serve --demo`, in Vietnamese, Chinese and English, with
/// real small files, published at the nation, the province and one school, plus work in
/// progress: a teacher's draft and a submission waiting in the curator's queue.
public struct DemoLibrary: Sendable {
    public let library: LibraryService

    public init(library: LibraryService) {
        self.library = library
    }

    enum Scope { case nation, province, school, draft, submitted }
    enum File { case pdf([String]), svg(Data), wav, pendulum, scorm, cmi5, epub([(String, String)]), none }

    struct Item {
        var kind: ResourceKind
        var title: LocalizedText
        var description: LocalizedText
        var language: String
        var subject: String
        var grades: [String]
        var file: File
        var url: String? = nil
        var scope: Scope = .nation
        var licence = "CC-BY-4.0"
        var keywords: [String] = []
    }

    static let items: [Item] = [
        Item(kind: .document, title: LocalizedText(vi: "Phương trình bậc hai một ẩn", en: "Quadratic equations in one unknown"),
             description: LocalizedText(vi: "Công thức nghiệm, hệ thức Vi-ét và bài tập vận dụng cho học sinh lớp 9."), language: "vi",
             subject: "math", grades: ["9"], file: .pdf(["Cong thuc nghiem: x = (-b +- sqrt(delta)) / 2a", "He thuc Vi-et: x1 + x2 = -b/a, x1.x2 = c/a"]),
             keywords: ["đại số", "phương trình"]),
        Item(kind: .image, title: LocalizedText(vi: "Định lí Pythagore – hình minh họa"), description: LocalizedText(vi: "Tam giác vuông với các cạnh a, b, c."),
             language: "vi", subject: "math", grades: ["7", "8"], file: .svg(DemoFiles.triangle)),
        Item(kind: .image, title: LocalizedText(vi: "Đồ thị hàm số y = x² − 4"), description: LocalizedText(vi: "Parabol cắt trục hoành tại x = −2 và x = 2."),
             language: "vi", subject: "math", grades: ["9", "10"], file: .svg(DemoFiles.parabola)),
        Item(kind: .simulation, title: LocalizedText(vi: "Mô phỏng con lắc đơn", en: "Simple pendulum simulation"),
             description: LocalizedText(vi: "Thay đổi chiều dài dây và gia tốc trọng trường, quan sát chu kì dao động."), language: "vi",
             subject: "physics", grades: ["11"], file: .pendulum, keywords: ["dao động điều hòa"]),
        Item(kind: .package, title: LocalizedText(vi: "Luyện tập bảng nhân 7 (SCORM)", en: "Practising the 7 times table (SCORM)"),
             description: LocalizedText(vi: "Ba câu hỏi trắc nghiệm; kết quả được ghi vào khóa học qua SCORM 1.2."), language: "vi",
             subject: "math", grades: ["3"], file: .scorm, keywords: ["bảng nhân"]),
        Item(kind: .package, title: LocalizedText(vi: "Bảng nhân 8 (cmi5)", en: "The 8 times table (cmi5)"),
             description: LocalizedText(vi: "Một câu hỏi; kết quả được ghi vào khóa học qua cmi5 và kho dữ liệu học tập (xAPI)."), language: "vi",
             subject: "math", grades: ["3"], file: .cmi5, keywords: ["bảng nhân"]),
        Item(kind: .ebook, title: LocalizedText(vi: "Sách điện tử Tiếng Việt 3 – Chủ đề Mùa xuân"), description: LocalizedText(vi: "Hai bài đọc ngắn kèm câu hỏi."),
             language: "vi", subject: "vietnamese", grades: ["3"],
             file: .epub([("Bài 1: Mùa xuân về", "Mùa xuân đến, cây cối đâm chồi nảy lộc. Em hãy kể những điều em thấy."),
                          ("Bài 2: Chợ hoa ngày Tết", "Chợ hoa rực rỡ sắc màu. Em thích loài hoa nào nhất? Vì sao?")])),
        Item(kind: .document, title: LocalizedText(vi: "Quang hợp ở thực vật"), description: LocalizedText(vi: "Bài giảng Sinh học 11: pha sáng, pha tối và vai trò của quang hợp."),
             language: "vi", subject: "biology", grades: ["11"], file: .pdf(["Pha sang: tao ATP va NADPH", "Pha toi: chu trinh Calvin"]), scope: .province),
        Item(kind: .document, title: LocalizedText(vi: "Đề kiểm tra giữa kì I – Ngữ văn 8"), description: LocalizedText(vi: "Đề và hướng dẫn chấm, 90 phút."),
             language: "vi", subject: "literature", grades: ["8"], file: .pdf(["Phan I: Doc hieu (3 diem)", "Phan II: Lam van (7 diem)"]), scope: .province),
        Item(kind: .document, title: LocalizedText(vi: "Cách mạng tháng Tám năm 1945"), description: LocalizedText(vi: "Bài giảng điện tử Lịch sử 12."),
             language: "vi", subject: "history", grades: ["12"], file: .pdf(["Nguyen nhan thang loi", "Y nghia lich su"])),
        Item(kind: .link, title: LocalizedText(vi: "Địa lí tự nhiên Việt Nam – bản đồ tương tác"), description: LocalizedText(vi: "Trang bản đồ tương tác của Nhà xuất bản Giáo dục."),
             language: "vi", subject: "geography", grades: ["8"], file: .none, url: "https://www.nxbgd.vn/"),
        Item(kind: .audio, title: LocalizedText(vi: "Âm chuẩn La (440 Hz) để lên dây đàn"), description: LocalizedText(vi: "Một giây âm La chuẩn cho giờ Âm nhạc."),
             language: "vi", subject: "music", grades: ["6", "7"], file: .wav),
        Item(kind: .document, title: LocalizedText(vi: "Phiếu học tập Toán 3 – Phép nhân"), description: LocalizedText(vi: "Dùng cho lớp 3A, Trường Tiểu học Đội Cấn."),
             language: "vi", subject: "math", grades: ["3"], file: .pdf(["Bai 1: Tinh nham", "Bai 2: Giai toan co loi van"]), scope: .school),
        Item(kind: .document, title: LocalizedText(vi: "Bài giảng Tin học 10 – Thuật toán sắp xếp"), description: LocalizedText(vi: "Sắp xếp nổi bọt và sắp xếp chọn."),
             language: "vi", subject: "informatics", grades: ["10"], file: .pdf(["Sap xep noi bot", "Sap xep chon"]), scope: .submitted),
        Item(kind: .document, title: LocalizedText(vi: "Ôn tập Tiếng Việt 3 – Từ chỉ sự vật (bản nháp)"), description: LocalizedText(vi: "Đang soạn."),
             language: "vi", subject: "vietnamese", grades: ["3"], file: .pdf(["Tu chi su vat"]), scope: .draft),
        // Chinese
        Item(kind: .document, title: LocalizedText(zhHans: "一元二次方程的解法"), description: LocalizedText(zhHans: "配方法、公式法和因式分解法，附课堂练习。"),
             language: "zh-Hans", subject: "math", grades: ["9"], file: .pdf(["Peifang fa", "Gongshi fa", "Yinshi fenjie fa"]), keywords: ["方程"]),
        Item(kind: .image, title: LocalizedText(zhHans: "植物细胞结构示意图"), description: LocalizedText(zhHans: "细胞核、叶绿体等结构。"),
             language: "zh-Hans", subject: "biology", grades: ["7"], file: .svg(DemoFiles.cell)),
        Item(kind: .document, title: LocalizedText(zhHans: "光合作用"), description: LocalizedText(zhHans: "初中生物微课讲义：光合作用的原料、条件和产物。"),
             language: "zh-Hans", subject: "biology", grades: ["7", "8"], file: .pdf(["Guanghe zuoyong"])),
        Item(kind: .document, title: LocalizedText(zhHans: "牛顿运动定律"), description: LocalizedText(zhHans: "高一物理：牛顿第一、第二、第三定律及应用。"),
             language: "zh-Hans", subject: "physics", grades: ["10"], file: .pdf(["Niudun di yi dinglü", "F = ma"])),
        Item(kind: .ebook, title: LocalizedText(zhHans: "古诗词诵读（电子课本选篇）"), description: LocalizedText(zhHans: "两首古诗及赏析。"),
             language: "zh-Hans", subject: "literature", grades: ["4"],
             file: .epub([("静夜思", "床前明月光，疑是地上霜。举头望明月，低头思故乡。"), ("春晓", "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。")])),
        Item(kind: .link, title: LocalizedText(zhHans: "国家中小学智慧教育平台"), description: LocalizedText(zhHans: "教育部国家智慧教育公共服务平台的中小学资源。"),
             language: "zh-Hans", subject: "other", grades: ["1", "9", "12"], file: .none, url: "https://basic.smartedu.cn/"),
        Item(kind: .document, title: LocalizedText(zhHans: "勾股定理练习题"), description: LocalizedText(zhHans: "八年级数学：勾股定理及其逆定理。"),
             language: "zh-Hans", subject: "math", grades: ["8"], file: .pdf(["a^2 + b^2 = c^2"]), licence: "CC-BY-SA-4.0"),
        Item(kind: .document, title: LocalizedText(zhHans: "文言文阅读方法"), description: LocalizedText(zhHans: "高中语文：实词、虚词与句式。"),
             language: "zh-Hans", subject: "literature", grades: ["10", "11"], file: .pdf(["Wenyanwen"]), licence: "CC-BY-NC-4.0"),
        Item(kind: .document, title: LocalizedText(zhHans: "Python编程入门"), description: LocalizedText(zhHans: "信息科技：变量、循环和函数。"),
             language: "zh-Hans", subject: "informatics", grades: ["8"], file: .pdf(["print('hello')"]), scope: .province),
        // English
        Item(kind: .document, title: LocalizedText(en: "Solving quadratic equations"), description: LocalizedText(en: "Worked examples: factoring, completing the square and the formula."),
             language: "en", subject: "math", grades: ["9", "10"], file: .pdf(["Factoring", "Completing the square", "The quadratic formula"])),
        Item(kind: .image, title: LocalizedText(en: "The water cycle"), description: LocalizedText(en: "Evaporation, condensation and precipitation in one diagram."),
             language: "en", subject: "geography", grades: ["6"], file: .svg(DemoFiles.waterCycle), licence: "CC0-1.0"),
        Item(kind: .link, title: LocalizedText(en: "PhET: Projectile Motion"), description: LocalizedText(en: "Interactive simulation from the University of Colorado Boulder."),
             language: "en", subject: "physics", grades: ["10"], file: .none, url: "https://phet.colorado.edu/en/simulations/projectile-motion"),
        Item(kind: .link, title: LocalizedText(en: "OpenStax Biology 2e"), description: LocalizedText(en: "A free, peer-reviewed biology textbook."),
             language: "en", subject: "biology", grades: ["higher"], file: .none, url: "https://openstax.org/details/books/biology-2e"),
        Item(kind: .document, title: LocalizedText(en: "Present perfect tense – worksheet"), description: LocalizedText(en: "Exercises with answers for grade 8 learners of English."),
             language: "en", subject: "english", grades: ["8"], file: .pdf(["I have lived here for ten years.", "Have you ever been to Ha Long Bay?"])),
        Item(kind: .ebook, title: LocalizedText(en: "English for Grade 3 – Unit 1 (e-book sample)"), description: LocalizedText(en: "Two short lessons: greetings and the classroom."),
             language: "en", subject: "english", grades: ["3"], file: .epub([("Hello!", "Hello, I am Nam. What is your name?"), ("My classroom", "This is my pen. That is my book.")])),
        Item(kind: .document, title: LocalizedText(en: "Newton's laws of motion – lesson notes"), description: LocalizedText(en: "Notes and practice problems for grade 10 physics."),
             language: "en", subject: "physics", grades: ["10"], file: .pdf(["First law: inertia", "Second law: F = ma", "Third law: action and reaction"]),
             licence: "CC-BY-SA-4.0"),
        Item(kind: .document, title: LocalizedText(en: "Online safety for pupils"), description: LocalizedText(en: "A short guide for families and pupils."),
             language: "en", subject: "informatics", grades: ["5", "6"], file: .pdf(["Keep your password secret", "Ask an adult"]), scope: .province),
    ]

    /// Seeds the commons once; nothing happens when resources already exist.
    public func seedIfEmpty(directory: DirectoryService) async throws -> Int {
        guard try await Resource.query(on: library.db).count() == 0 else { return 0 }
        let system = Actor.system("demo")
        let teacher = try await directory.actor(username: "teacher", acting: system)
        let curator = try await directory.actor(username: "curator", acting: system)
        let admin = try await directory.actor(username: "admin", acting: system)
        guard let school = teacher.grants.first(where: { $0.orgKind == .school }),
              let province = curator.grants.first(where: { $0.orgKind == .province }),
              let nation = admin.grants.first(where: { $0.orgKind == .nation }) else { return 0 }
        var count = 0
        for item in Self.items {
            // School work comes from the demo teacher; the rest from the province's curator.
            let author = [.school, .draft, .submitted].contains(item.scope) ? teacher : curator
            var file: UploadedFile?
            if let (data, name) = Self.bytes(item) {
                file = UploadedFile(blob: try library.ctx.blobs.store(data), filename: name)
            }
            let input = NewResource(kind: item.kind.rawValue, title: item.title, description: item.description, language: item.language,
                                    licence: item.licence, subjects: [item.subject], grades: item.grades, keywords: item.keywords,
                                    authors: [author.displayName], orgId: author.personID == teacher.personID ? school.orgID : province.orgID, url: item.url)
            let r = try await library.createResource(input, file: file, actor: author)
            switch item.scope {
            case .draft: break
            case .submitted: _ = try await library.submit(r.id, scopeOrgID: school.orgID, comment: nil, actor: author)
            case .school:
                _ = try await library.submit(r.id, scopeOrgID: school.orgID, comment: nil, actor: author)
                _ = try await library.approve(r.id, comment: nil, actor: system)
            case .province:
                _ = try await library.submit(r.id, scopeOrgID: province.orgID, comment: nil, actor: author)
                _ = try await library.approve(r.id, comment: nil, actor: system)
            case .nation:
                _ = try await library.submit(r.id, scopeOrgID: nation.orgID, comment: nil, actor: author)
                _ = try await library.approve(r.id, comment: nil, actor: admin)
            }
            count += 1
        }
        return count
    }

    static func bytes(_ item: Item) -> (Data, String)? {
        let slug = String(TextFolding.fold(item.title.pick(.vi)).unicodeScalars.map { $0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil) ? Character($0) : "-" }.prefix(40))
        let name = slug.trimmingCharacters(in: CharacterSet(charactersIn: "-")).isEmpty ? "tai-lieu" : slug
        switch item.file {
        case .pdf(let lines): return (DemoFiles.pdf(title: item.title.pick(.vi), lines: lines), name + ".pdf")
        case .svg(let d): return (d, name + ".svg")
        case .wav: return (DemoFiles.tone, name + ".wav")
        case .pendulum: return (DemoFiles.pendulum, "con-lac-don.zip")
        case .scorm: return (DemoFiles.scormQuiz, "luyen-tap-bang-nhan-7.zip")
        case .cmi5: return (DemoFiles.cmi5Lesson, "bang-nhan-8-cmi5.zip")
        case .epub(let chapters): return (DemoFiles.epub(title: item.title.pick(.vi), language: item.language, chapters: chapters), name + ".epub")
        case .none: return nil
        }
    }
}
