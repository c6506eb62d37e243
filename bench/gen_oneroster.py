#!/usr/bin/env python3
"""Writes a synthetic OneRoster 1.2 CSV set with about N people (default 30,000):
a province's district with schools, classes, pupils, teachers and guardians.
Usage: gen_oneroster.py OUT_DIR [N]"""
import csv, os, random, sys

out = sys.argv[1]
total = int(sys.argv[2]) if len(sys.argv) > 2 else 30000
random.seed(7)
os.makedirs(out, exist_ok=True)
families = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
givens = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Huy", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Ngân", "Phong", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến"]
middles = ["Văn", "Thị", "Minh", "Đức", "Ngọc", "Thanh", "Hữu", "Quang", "Thu", "Gia"]
T = "2026-09-01T00:00:00Z"

def w(name, header, rows):
    with open(os.path.join(out, name), "w", newline="", encoding="utf-8") as f:
        c = csv.writer(f, lineterminator="\r\n")
        c.writerow(header)
        c.writerows(rows)

pupils_n = int(total * 0.80)
teachers_n = int(total * 0.05)
guardians_n = total - pupils_n - teachers_n
schools_n = max(1, pupils_n // 500)
per_class = 35

orgs = [["prov-1", "active", T, "Tỉnh Mẫu", "state", "P1", ""], ["dist-1", "active", T, "Huyện Mẫu", "district", "D1", "prov-1"]]
orgs += [[f"sch-{s}", "active", T, f"Trường Mẫu số {s}", "school", f"S{s}", "dist-1"] for s in range(schools_n)]
sessions = [["sy-2026", "active", T, "Năm học 2026-2027", "schoolYear", "2026-09-05", "2027-05-31", "", "2027"],
            ["sem-1", "active", T, "Học kỳ I", "semester", "2026-09-05", "2027-01-15", "sy-2026", "2027"],
            ["sem-2", "active", T, "Học kỳ II", "semester", "2027-01-16", "2027-05-31", "sy-2026", "2027"]]
courses, classes, users, roles, enrollments, demographics = [], [], [], [], [], []
for s in range(schools_n):
    courses.append([f"crs-{s}", "active", T, "sy-2026", "Lớp chủ nhiệm", f"CN{s}", "", f"sch-{s}", "homeroom", ""])
classes_n = (pupils_n + per_class - 1) // per_class
for c in range(classes_n):
    s = c % schools_n
    classes.append([f"cls-{c}", "active", T, f"Lớp {c % 12 + 1}A{c // 12}", str(c % 12 + 1), f"crs-{s}", "", "homeroom", "", f"sch-{s}", "sem-1,sem-2", "", "", ""])

def person(i, kind):
    return [random.choice(givens), random.choice(families), random.choice(middles)]

guardian_ids = [f"usr-g-{i}" for i in range(guardians_n)]
for i in range(pupils_n):
    g, f, m = person(i, "p")
    c = i % classes_n
    s = c % schools_n
    agent = guardian_ids[i % guardians_n] if guardians_n else ""
    users.append([f"usr-p-{i}", "active", T, "true", f"hs{i}", "", g, f, m, f"HS{i}", "", "", "", agent, str(c % 12 + 1), "", "", "", "", "", f"sch-{s}", ""])
    roles.append([f"rol-p-{i}", "active", T, f"usr-p-{i}", "primary", "student", "", "", f"sch-{s}", ""])
    enrollments.append([f"enr-p-{i}", "active", T, f"cls-{c}", f"sch-{s}", f"usr-p-{i}", "student", "false", "", ""])
    demographics.append([f"usr-p-{i}", "active", T, f"{2026 - 6 - (c % 12 + 1)}-{random.randint(1,12):02d}-{random.randint(1,28):02d}", random.choice(["male", "female"])] + [""] * 11)
for i in range(teachers_n):
    g, f, m = person(i, "t")
    s = i % schools_n
    users.append([f"usr-t-{i}", "active", T, "true", f"gv{i}", "", g, f, m, f"GV{i}", f"gv{i}@truong.edu.vn", "", "0912000000", "", "", "", "", "", "", "", f"sch-{s}", ""])
    roles.append([f"rol-t-{i}", "active", T, f"usr-t-{i}", "primary", "teacher", "", "", f"sch-{s}", ""])
    for k in range(2):
        c = (i * 2 + k) % classes_n
        enrollments.append([f"enr-t-{i}-{k}", "active", T, f"cls-{c}", f"sch-{c % schools_n}", f"usr-t-{i}", "teacher", "true" if k == 0 else "false", "", ""])
for i in range(guardians_n):
    g, f, m = person(i, "g")
    s = i % schools_n
    users.append([guardian_ids[i], "active", T, "true", f"ph{i}", "", g, f, m, "", "", "", "0987000000", "", "", "", "", "", "", "", f"sch-{s}", ""])
    roles.append([f"rol-g-{i}", "active", T, guardian_ids[i], "primary", "guardian", "", "", f"sch-{s}", ""])

w("manifest.csv", ["propertyName", "value"], [["manifest.version", "1.0"], ["oneroster.version", "1.2"]] +
  [[f"file.{n}", "bulk"] for n in ["academicSessions", "classes", "courses", "demographics", "enrollments", "orgs", "roles", "users"]] +
  [["source.systemName", "bench"], ["source.systemCode", "bench"]])
w("orgs.csv", ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"], orgs)
w("academicSessions.csv", ["sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"], sessions)
w("courses.csv", ["sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes"], courses)
w("classes.csv", ["sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId", "classCode", "classType", "location", "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods"], classes)
w("users.csv", ["sourcedId", "status", "dateLastModified", "enabledUser", "username", "userIds", "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password", "userMasterIdentifier", "preferredGivenName", "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId", "pronouns"], users)
w("roles.csv", ["sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role", "beginDate", "endDate", "orgSourcedId", "userProfileSourcedId"], roles)
w("enrollments.csv", ["sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate", "endDate"], enrollments)
w("demographics.csv", ["sourcedId", "status", "dateLastModified", "birthDate", "sex", "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity", "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth", "publicSchoolResidenceStatus"], demographics)
print(f"{len(users)} users, {len(orgs)} orgs, {len(classes)} classes, {len(enrollments)} enrollments -> {out}")
