#!/usr/bin/env python3
"""Writes a corpus of learning resources as CSV files for `educommons library import`:
realistic titles and descriptions in Vietnamese (50%), Chinese (30%) and English (20%),
with subjects, grades, licences and keywords. Links only (no files), so a million rows
fit on any disk; the files are not committed.

  python3 bench/gen_library.py OUT_DIR --count 1000000 [--per-file 50000] [--seed 7]"""
import argparse, csv, os, random

VI = {
 "math": ["Phương trình bậc hai một ẩn", "Hệ phương trình bậc nhất hai ẩn", "Hàm số bậc nhất", "Hàm số y = ax²", "Định lí Pythagore",
          "Tam giác đồng dạng", "Đường tròn nội tiếp", "Căn bậc hai", "Số hữu tỉ", "Thống kê và xác suất", "Tích phân", "Đạo hàm",
          "Lượng giác", "Vectơ trong mặt phẳng", "Dãy số và cấp số cộng", "Phân số", "Hình học không gian", "Bất đẳng thức"],
 "literature": ["Truyện Kiều của Nguyễn Du", "Văn bản nghị luận xã hội", "Thơ Đường luật", "Chí Phèo", "Bình Ngô đại cáo",
                "Tác phẩm Vợ chồng A Phủ", "Ca dao dân ca Việt Nam", "Văn bản thông tin", "Tiếng Việt: từ láy", "Viết đoạn văn tả cảnh"],
 "physics": ["Chuyển động ném ngang", "Định luật Newton", "Điện trở và định luật Ôm", "Khúc xạ ánh sáng", "Dao động điều hòa",
             "Sóng cơ", "Nhiệt học", "Từ trường", "Công và công suất", "Thấu kính hội tụ"],
 "chemistry": ["Bảng tuần hoàn các nguyên tố", "Liên kết hóa học", "Phản ứng oxi hóa khử", "Axit và bazơ", "Hiđrocacbon", "Tốc độ phản ứng"],
 "biology": ["Quang hợp ở thực vật", "Cấu trúc tế bào", "Di truyền học Menđen", "Hệ tuần hoàn", "Sinh thái học", "Nguyên phân và giảm phân"],
 "history": ["Cách mạng tháng Tám năm 1945", "Chiến dịch Điện Biên Phủ", "Nhà Trần và kháng chiến chống Nguyên Mông", "Văn minh Ai Cập cổ đại",
             "Chiến tranh thế giới thứ hai", "Đổi mới ở Việt Nam"],
 "geography": ["Địa lí tự nhiên Việt Nam", "Khí hậu nhiệt đới ẩm gió mùa", "Dân số và lao động", "Vùng đồng bằng sông Cửu Long", "Tài nguyên biển đảo"],
 "english": ["Thì hiện tại hoàn thành", "Câu bị động", "Mệnh đề quan hệ", "Từ vựng chủ đề môi trường", "Kỹ năng nghe hiểu"],
 "informatics": ["Thuật toán sắp xếp", "Lập trình Python cơ bản", "Cơ sở dữ liệu", "An toàn thông tin trên mạng", "Bảng tính điện tử"],
}
VI_PATTERNS = ["Bài {n}: {t}", "{t}", "Ôn tập {t} lớp {g}", "Đề kiểm tra giữa kì: {t}", "Bài giảng điện tử: {t}", "Video bài giảng {t} – phần {n}",
               "Phiếu học tập {t}", "Chuyên đề {t}", "Luyện tập {t} (lớp {g})", "Học liệu số: {t}"]
VI_DESC = ["Bài giảng giúp học sinh nắm vững {t} thông qua ví dụ minh họa và bài tập vận dụng.",
           "Tài liệu gồm lí thuyết trọng tâm, phương pháp giải và các dạng bài thường gặp về {t}.",
           "Học liệu được biên soạn theo chương trình giáo dục phổ thông 2018, phù hợp dạy học trực tuyến.",
           "Có đáp án chi tiết và hướng dẫn tự học tại nhà cho học sinh vùng khó khăn.",
           "Giáo viên có thể dùng trong tiết học kết hợp hoặc giao cho học sinh ôn tập."]
ZH = {
 "math": ["一元二次方程的解法", "二次函数的图像与性质", "勾股定理", "相似三角形", "圆的性质", "概率初步", "不等式与不等式组", "平面向量", "数列", "导数及其应用"],
 "literature": ["古诗词鉴赏", "议论文写作", "鲁迅《故乡》", "红楼梦选读", "文言文阅读", "现代诗歌欣赏"],
 "physics": ["牛顿运动定律", "欧姆定律", "光的折射", "机械能守恒", "电磁感应", "简谐运动"],
 "chemistry": ["元素周期表", "化学键", "氧化还原反应", "酸碱盐", "有机化合物"],
 "biology": ["光合作用", "细胞的结构", "遗传与变异", "生态系统", "人体的血液循环"],
 "history": ["中国古代史", "辛亥革命", "丝绸之路", "工业革命", "第二次世界大战"],
 "geography": ["中国的地形", "气候与天气", "人口分布", "长江流域"],
 "english": ["现在完成时", "被动语态", "定语从句", "英语听力训练"],
 "informatics": ["排序算法", "Python编程入门", "数据库基础", "网络安全"],
}
ZH_PATTERNS = ["第{n}课 {t}", "{t}", "{t}（{g}年级）", "{t}练习题", "微课：{t}", "{t}教学设计", "{t}专题复习", "{t}课件"]
ZH_DESC = ["本课通过实例讲解{t}的基本概念和方法，并配有课堂练习。", "适用于线上线下混合式教学，包含教学视频和课后作业。",
           "依据义务教育课程标准编写，帮助学生系统复习{t}。", "资源由省级名师工作室制作，供各校共享使用。"]
EN = {
 "math": ["Quadratic equations", "Linear functions", "The Pythagorean theorem", "Similar triangles", "Probability", "Derivatives", "Trigonometry", "Fractions"],
 "physics": ["Newton's laws of motion", "Ohm's law", "Refraction of light", "Simple harmonic motion", "Electromagnetic induction"],
 "chemistry": ["The periodic table", "Chemical bonding", "Acids and bases", "Organic compounds"],
 "biology": ["Photosynthesis", "Cell structure", "Genetics and inheritance", "Ecosystems", "The circulatory system"],
 "english": ["Present perfect tense", "Passive voice", "Relative clauses", "Listening skills", "Academic writing"],
 "informatics": ["Sorting algorithms", "Introduction to Python programming", "Databases", "Online safety"],
 "history": ["The Industrial Revolution", "World War II", "Ancient civilisations"],
 "geography": ["The water cycle", "Climate and weather", "Population and migration"],
}
EN_PATTERNS = ["Lesson {n}: {t}", "{t}", "{t} worksheet", "Introduction to {t}", "Revision: {t} (grade {g})", "{t} explained", "Practice problems: {t}"]
EN_DESC = ["Worked examples and exercises that build understanding of {t} step by step.", "A short video lesson with a quiz, suitable for self-study on a phone.",
           "Teachers can use these slides in blended lessons; answers are included.", "Open educational resource reviewed by subject experts."]
LICENCES = ["CC-BY-4.0"] * 5 + ["CC-BY-SA-4.0"] * 3 + ["CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", "CC0-1.0", "all-rights-reserved"]
HEAD = ["source_id", "kind", "url", "title_vi", "title_en", "title_zh", "description_vi", "description_en", "description_zh",
        "language", "licence", "subjects", "grades", "keywords", "authors"]


def row(i, rnd):
    r = rnd.random()
    lang = "vi" if r < 0.5 else ("zh-Hans" if r < 0.8 else "en")
    table, pats, descs = {"vi": (VI, VI_PATTERNS, VI_DESC), "zh-Hans": (ZH, ZH_PATTERNS, ZH_DESC), "en": (EN, EN_PATTERNS, EN_DESC)}[lang]
    subject = rnd.choice(list(table))
    topic = rnd.choice(table[subject])
    grade = rnd.randint(1, 12)
    title = rnd.choice(pats).format(t=topic, n=rnd.randint(1, 40), g=grade)
    other = rnd.choice(table[subject])
    desc = " ".join(d.format(t=rnd.choice([topic, other])) for d in rnd.sample(descs, 2))
    t = {"vi": ["", "", ""], "en": ["", "", ""], "zh-Hans": ["", "", ""]}
    col = {"vi": 0, "en": 1, "zh-Hans": 2}[lang]
    titles, descriptions = ["", "", ""], ["", "", ""]
    titles[col], descriptions[col] = title, desc
    grades = [str(grade)] + ([str(grade + 1)] if grade < 12 and rnd.random() < 0.2 else [])
    return [f"bench-{i}", "link", f"https://resources.example.org/{lang}/{i}"] + titles + descriptions + [
        lang, rnd.choice(LICENCES), subject, ";".join(grades), topic[:60], f"Tác giả {i % 997}"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=1_000_000)
    ap.add_argument("--per-file", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rnd = random.Random(a.seed)
    for f in range(0, a.count, a.per_file):
        with open(os.path.join(a.out, f"part-{f // a.per_file:04d}.csv"), "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(HEAD)
            for i in range(f, min(f + a.per_file, a.count)):
                w.writerow(row(i, rnd))


if __name__ == "__main__":
    main()
