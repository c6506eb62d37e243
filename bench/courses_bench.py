#!/usr/bin/env python3
"""Courses benchmarks (issue #5), on loopback, bounded in time, against a release build:

  mooc  A MOOC with --learners enrolled (default 100,000, from a generated OneRoster
        district) and about a fifth of its 54 items done by each learner. With 32
        connections (wrk), for --seconds each: the course as JSON, a learner's progress
        as JSON, and the course page in HTML, each as a random one of 2,000 learners;
        then the teacher's learners table. Target: p95 < 100 ms.
  xapi  Statement ingestion: wrk POSTs one statement per request, then batches of 20,
        with 64 connections; the stored count is checked against what was acknowledged.
        Target: >= 2,000 statements/s.

  python3 bench/courses_bench.py [--pg postgres://...] [--part mooc|xapi|all] [--learners N]

Volume that the product would create one request at a time (enrolments, progress rows,
learners' tokens) is written with SQL, as exam_storm.py does for tokens: 100,000 sign-ins
through bcrypt would take many minutes and measure nothing this benchmark is about."""
import argparse, json, os, re, shutil, subprocess, sys, tempfile, time, uuid, base64

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exam_storm import Store, Server, call, free_port, environment, report_head, write_tokens, ROOT, PASSWORD  # noqa: E402

WRK_LUA = r"""
local tokens = {%s}
local paths = {%s}
local n = 0
request = function()
  n = n + 1
  local t = tokens[math.random(#tokens)]
  local p = paths[(n %% #paths) + 1]
  return wrk.format("GET", p, {["Authorization"] = "Bearer " .. t, ["Accept-Encoding"] = "gzip"})
end
done = function(summary, latency, requests)
  io.write(string.format("P50 %%d\nP95 %%d\nP99 %%d\nMAX %%d\n", latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""

WRK_POST = r"""
wrk.method = "POST"
wrk.body = %s
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Experience-API-Version"] = "1.0.3"
wrk.headers["Authorization"] = "Basic %s"
done = function(summary, latency, requests)
  io.write(string.format("P50 %%d\nP95 %%d\nP99 %%d\nMAX %%d\n", latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def wrk(port, lua_text, seconds, connections, path="/"):
    lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    lua.write(lua_text)
    lua.close()
    try:
        out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", lua.name, f"http://127.0.0.1:{port}{path}"],
                             capture_output=True, text=True, timeout=seconds + 60).stdout
    finally:
        os.unlink(lua.name)
    us = lambda k: round(int(re.search(rf"^{k} (\d+)", out, re.M).group(1)) / 1000, 1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return {"requests_per_s": round(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))), "requests": int(total.group(1)),
            "p50_ms": us("P50"), "p95_ms": us("P95"), "p99_ms": us("P99"), "max_ms": us("MAX"), "non_2xx": int(non2xx.group(1)) if non2xx else 0}


def new_uuid_sql(store):
    if store.pg:
        return "gen_random_uuid()"
    # SQLite keeps UUIDs as upper-case text with dashes; randomblob is drawn again for every row
    # in a select list (random() in a join's WHERE was evaluated once: all rows or none).
    return ("(hex(randomblob(4))||'-'||hex(randomblob(2))||'-4'||substr(hex(randomblob(2)),1,3)||'-A'||substr(hex(randomblob(2)),1,3)||'-'||hex(randomblob(6)))")


def mooc(a, binary, env, store, port, server, log, result):
    run = lambda *args: subprocess.run([binary, *args], env=env, cwd=ROOT, check=True, stdout=log, stderr=log)
    t0 = time.perf_counter()
    run("user", "create", "--username", "admin", "--password", PASSWORD, "--family-name", "Bench", "--given-name", "Admin", "--country", "VN")
    roster = tempfile.mkdtemp(prefix="ec-mooc-roster-")
    try:
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_oneroster.py"), roster, str(int(a.learners / 0.8) + 10)], check=True, capture_output=True)
        run("import", "oneroster", roster)
    finally:
        shutil.rmtree(roster, ignore_errors=True)
    result["import_s"] = round(time.perf_counter() - t0, 1)
    server.start(log)
    admin = call(port, "POST", "/api/v1/auth/token", body={"username": "admin", "password": PASSWORD})["token"]
    school = store.query("SELECT " + store.uuid_hex("id") + " FROM organisations WHERE kind = 'school' LIMIT 1")[0][0]
    course = call(port, "POST", "/api/v1/courses", admin, {"kind": "mooc", "title": "Toán cho mọi người", "orgId": str(uuid.UUID(school)),
                                                          "description": "Khóa học mở: số học, hình học và đại số, tự học theo tốc độ của mình."})["id"]
    for u in range(6):
        unit = call(port, "POST", f"/api/v1/courses/{course}/units", admin, {"title": f"Chương {u + 1}"})["id"]
        for l in range(3):
            lesson = call(port, "POST", f"/api/v1/course-units/{unit}/lessons", admin, {"title": f"Bài {u * 3 + l + 1}"})["id"]
            for i in range(3):
                call(port, "POST", f"/api/v1/lessons/{lesson}/items", admin, {"kind": "page", "title": f"Mục {i + 1}", "body": "Nội dung bài học. " * 20})
    call(port, "PATCH", f"/api/v1/courses/{course}", admin, {"status": "published"})
    cid = store.uuid_literal(uuid.UUID(course).hex)
    t1 = time.perf_counter()
    pick = f"(SELECT person_id FROM role_grants WHERE role = 'pupil' GROUP BY person_id LIMIT {a.learners})"
    store.execute_script(f"""
        INSERT INTO enrolments (id, course_id, person_id, source, status, org_id, enrolled_at)
        SELECT {new_uuid_sql(store)}, c.id, g.person_id, 'self', 'active', c.org_id, c.created_at FROM {pick} g, courses c WHERE c.id = {cid};
        UPDATE courses SET learner_count = (SELECT COUNT(*) FROM enrolments WHERE course_id = {cid}) WHERE id = {cid};
        INSERT INTO item_progress (id, course_id, item_id, person_id, viewed_at, percent, completed_at, updated_at)
        SELECT {new_uuid_sql(store)}, e.course_id, i.id, e.person_id, c.created_at, 0, c.created_at, c.created_at
        FROM enrolments e JOIN lesson_items i ON i.course_id = e.course_id JOIN courses c ON c.id = e.course_id
        WHERE e.course_id = {cid} AND {"random() < 0.2" if store.pg else "(unicode(substr(e.id, 1, 1)) + 3 * unicode(substr(e.id, 2, 1)) + i.position) % 5 = 0"};
    """)
    # Statistics for the planner after a bulk load, as autovacuum would gather them a little later.
    store.execute_script("ANALYZE;")
    result["learners"] = int(store.query(f"SELECT learner_count FROM courses WHERE id = {cid}")[0][0])
    result["progress_rows"] = int(store.query("SELECT COUNT(*) FROM item_progress")[0][0])
    result["items"] = int(store.query(f"SELECT COUNT(*) FROM lesson_items WHERE course_id = {cid}")[0][0])
    result["bulk_setup_s"] = round(time.perf_counter() - t1, 1)
    # Tokens for 2,000 learners, with the lifetime of the admin's token.
    ids = [r[0] for r in store.query(f"SELECT {store.uuid_hex('person_id')} FROM enrolments WHERE course_id = {cid} LIMIT 2000")]
    raws = write_tokens(store, ids)
    # The learners' identities are resolved (and cached) the first time they are used; one warm-up pass.
    for t in raws[:200]:
        call(port, "GET", f"/api/v1/courses/{course}", t)
    tokens = ",".join(f'"{t}"' for t in raws)
    for name, paths in [("course_json", [f"/api/v1/courses/{course}"]), ("progress_json", [f"/api/v1/courses/{course}/progress"]),
                        ("course_page_html", [f"/courses/{course}"])]:
        cpu = server.cpu_s()
        r = wrk(port, WRK_LUA % (tokens, ",".join(f'"{p}"' for p in paths)), a.seconds, a.connections)
        r["server_cpu_s"] = round(server.cpu_s() - cpu, 1)
        if r["non_2xx"]:
            # Say what the failures were: a latency of error pages is not the page's.
            import http.client
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("GET", paths[0], headers={"Authorization": f"Bearer {raws[0]}"})
            resp = c.getresponse()
            r["sample_failure"] = f"{resp.status} {resp.read()[:300]!r}"
        result[name] = r
        print(name, r, flush=True)
    # The teacher's table: the first page, and one deep in the list.
    samples = []
    for cursor in [None, base64.b64encode(b"50000").decode()] * 5:
        t = time.perf_counter()
        call(port, "GET", f"/api/v1/courses/{course}/learners?limit=50" + (f"&cursor={cursor}" if cursor else ""), admin)
        samples.append((time.perf_counter() - t) * 1000)
    result["learners_table_ms"] = {"first_page": round(min(samples[0::2]), 1), "page_at_50000": round(min(samples[1::2]), 1),
                                   "worst": round(max(samples), 1)}
    result["server_rss_mb"] = server.rss_mb()


def xapi(a, binary, env, store, port, server, log, result):
    made = subprocess.run([binary, "xapi", "create-client", "--name", "bench"], env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    key = next(l.split()[1] for l in made.splitlines() if l.startswith("key:"))
    secret = next(l.split()[1] for l in made.splitlines() if l.startswith("secret:"))
    if server.proc is None:
        server.start(log)
    basic = base64.b64encode(f"{key}:{secret}".encode()).decode()
    def statement(n):
        return {"actor": {"objectType": "Agent", "account": {"homePage": "https://school.example.vn", "name": f"learner-{n}"}},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered", "vi": "đã trả lời"}},
                "object": {"id": f"https://school.example.vn/questions/{n % 500}", "definition": {"name": {"vi": "Câu hỏi"},
                           "type": "http://adlnet.gov/expapi/activities/cmi.interaction", "interactionType": "choice"}},
                "result": {"success": True, "response": "b", "score": {"scaled": 1}},
                "context": {"registration": str(uuid.uuid4()), "contextActivities": {"parent": [{"id": "https://school.example.vn/courses/toan-3"}]}}}
    before = int(store.query("SELECT COUNT(*) FROM xapi_statements")[0][0])
    expected = 0
    for name, body, size in [("single", statement(1), 1), ("batch_of_20", [statement(n) for n in range(20)], 20)]:
        cpu = server.cpu_s()
        r = wrk(port, WRK_POST % (json.dumps(json.dumps(body)), basic), a.seconds, 64, "/xapi/statements")
        r["statements_per_s"] = r["requests_per_s"] * size
        r["server_cpu_s"] = round(server.cpu_s() - cpu, 1)
        expected += (r["requests"] - r["non_2xx"]) * size
        result["xapi_" + name] = r
        print(name, r, flush=True)
    stored = int(store.query("SELECT COUNT(*) FROM xapi_statements")[0][0]) - before
    # wrk counts only completed requests; the ones cut at the end may still have been stored.
    result["xapi_stored"] = {"acknowledged_at_least": expected, "stored": stored, "ok": stored >= expected}
    result["server_rss_mb"] = server.rss_mb()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build/release/educommons"))
    ap.add_argument("--pg", help="PostgreSQL URL of an empty database to use (its public schema is reset)")
    ap.add_argument("--part", default="all", choices=["mooc", "xapi", "all"])
    ap.add_argument("--learners", type=int, default=100_000)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--connections", type=int, default=32)
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    data, env = environment("ec-courses-bench-", a.pg)
    store = Store(data, a.pg)
    log = open(os.path.join(data, "server.log"), "ab")
    port = free_port()
    server = Server(binary, env, port)
    result = report_head(a.pg)
    try:
        if a.part in ("mooc", "all"):
            mooc(a, binary, env, store, port, server, log, result)
        if a.part in ("xapi", "all"):
            xapi(a, binary, env, store, port, server, log, result)
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(result, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
