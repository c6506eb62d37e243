#!/usr/bin/env python3
"""Question-bank import speed (issue #4 target: 10,000 GIFT questions in under 10 s), for
SQLite and, with --pg, PostgreSQL. Generates the file (a mix of single choice, multiple
response, true/false, short answer, numeric and matching in Vietnamese, Chinese and
English), imports it through the API into a new bank, then exports it again. Loopback only.

  python3 bench/item_import_bench.py [--binary .build/release/educommons] [--count 10000] [--pg postgres://u:p@127.0.0.1:5432/db]"""
import argparse, http.client, json, os, platform, random, subprocess, sys, tempfile, time, shutil

sys.path.insert(0, os.path.dirname(__file__))
from bench import ROOT, PASSWORD, free_port, wait_healthy, stop, token  # noqa: E402


def gift(count, seed=7):
    rnd = random.Random(seed)
    words = ["phương trình", "hàm số", "quang hợp", "định luật", "tế bào", "二次方程", "光合作用", "牛顿", "equation", "photosynthesis", "force", "cell"]
    out = []
    for i in range(count):
        w = rnd.choice(words)
        kind = i % 6
        name = f"::Q{i}::"
        if kind == 0:
            out.append(f"{name} Câu {i}: chọn đáp án đúng về {w} {{\n =đúng {i} #Chính xác\n ~sai {i}a\n ~sai {i}b\n ~sai {i}c\n}}")
        elif kind == 1:
            out.append(f"{name} Question {i} on {w}: pick two {{~%50%yes {i} ~%50%also {i} ~%-100%no {i}}}")
        elif kind == 2:
            out.append(f"{name} 第{i}题：{w}是正确的。{{{'TRUE' if i % 2 else 'FALSE'}#错#对}}")
        elif kind == 3:
            out.append(f"{name} Từ khoá của câu {i} ({w}) là {{=khoá {i} =khoa {i}}}")
        elif kind == 4:
            out.append(f"{name} {w}: {i} + 1 = ? {{#{i + 1}:0.5}}")
        else:
            out.append(f"{name} Match {i} ({w}) {{=a{i} -> A ={i}b -> B =c{i} -> C}}")
    return "\n\n".join(out) + "\n"


def request(port, method, path, tok, body=None, ctype="application/json"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    c.request(method, path, body=body, headers={"Authorization": f"Bearer {tok}", "Content-Type": ctype})
    r = c.getresponse()
    return r.status, r.read()


def run(binary, count, pg=None):
    work = tempfile.mkdtemp(prefix="ec-items-")
    env = dict(os.environ, EDUCOMMONS_DATA=os.path.join(work, "data"), EDUCOMMONS_DEMO_PASSWORD=PASSWORD, EDUCOMMONS_HOME=ROOT, LOG_LEVEL="warning")
    env.pop("DATABASE_URL", None)
    if pg:
        env["DATABASE_URL"] = pg
    port = free_port()
    proc = subprocess.Popen([binary, "serve", "--demo", "--port", str(port)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(port, proc, limit=180)
        tok = token(port, "teacher")
        status, body = request(port, "POST", "/api/v1/question-banks", tok, json.dumps({"name": f"bench {time.time()}"}))
        assert status == 201, body
        bank = json.loads(body)["id"]
        text = gift(count).encode()
        started = time.perf_counter()
        status, body = request(port, "POST", f"/api/v1/question-banks/{bank}/import?format=gift", tok, text, "text/plain")
        seconds = time.perf_counter() - started
        assert status == 201, body[:500]
        report = json.loads(body)
        started = time.perf_counter()
        status, exported = request(port, "GET", f"/api/v1/question-banks/{bank}/export?format=gift", tok)
        export_seconds = time.perf_counter() - started
        assert status == 200
        started = time.perf_counter()
        status, body = request(port, "POST", f"/api/v1/question-banks/{bank}/import?format=gift", tok, text, "text/plain")
        again_seconds = time.perf_counter() - started
        return {"database": "postgresql" if pg else "sqlite", "questions": count, "file_kb": len(text) // 1024,
                "import_seconds": round(seconds, 2), "imported": report["imported"], "problems": len(report["skipped"]),
                "export_seconds": round(export_seconds, 2), "export_kb": len(exported) // 1024,
                "reimport_seconds": round(again_seconds, 2), "reimport_duplicates": len(json.loads(body)["duplicates"])}
    finally:
        stop(proc)
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "educommons"))
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--pg", help="PostgreSQL URL of a database the bench may use (a demo province is seeded if empty)")
    a = ap.parse_args()
    results = [run(a.binary, a.count)]
    if a.pg:
        results.append(run(a.binary, a.count, a.pg))
    print(json.dumps({"machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
                      "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "results": results}, indent=1))


if __name__ == "__main__":
    main()
