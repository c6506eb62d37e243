#!/usr/bin/env python3
"""Search benchmark of the learning-resource commons on a generated corpus, for SQLite
and PostgreSQL. Loopback only; every load is bounded in time. Prints one JSON object.

  python3 bench/gen_library.py /tmp/libcorpus --count 1000000
  python3 bench/library_bench.py --corpus /tmp/libcorpus [--pg postgres://u:p@127.0.0.1:5432/db] [--seconds 20]

For each database: a fresh data folder (or database), `serve --demo`, then
`educommons library import` of the corpus (80% published nationally, 20% for the
province), timed; the database size; then search p50/p95 at 1 client (sequential) and 32
clients (wrk), anonymous and signed in, over a mix of Vietnamese (with and without marks),
Chinese and English queries with and without filters."""
import argparse, http.client, json, os, platform, shutil, statistics, subprocess, sys, tempfile, time, urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from bench import ROOT, free_port, wait_healthy, rss_kb, stop, token, PASSWORD  # noqa: E402

QUERIES = [
    "q=phuong trinh bac hai", "q=Phương trình bậc hai", "q=hoc lieu so", "q=quang hop", "q=định luật", "q=bai giang dien tu",
    "q=Truyện Kiều", "q=lap trinh python", "q=on tap&grade=9", "q=ham so&subject=math", "q=cach mang thang tam",
    "q=二次方程", "q=光合作用", "q=一元二次方程的解法", "q=练习题&grade=8", "q=牛顿运动定律", "q=勾股定理", "q=文言文",
    "q=quadratic equations", "q=photosynthesis", "q=solving equations", "q=worksheet&subject=biology", "q=introduction python",
    "q=newton laws", "subject=physics&grade=10", "grade=5", "", "language=zh-Hans&subject=math", "q=de kiem tra&licence=CC-BY-4.0",
    "q=dao dong dieu hoa", "q=tế bào", "q=sinh thai hoc&scope=nation",
]


def varied(n, seed=11):
    """Distinct searches (words x grade or subject x page), so an answer cache rarely helps."""
    import random
    rnd = random.Random(seed)
    words = [q for q in QUERIES if q.startswith("q=") and "&" not in q]
    subjects = ["math", "physics", "chemistry", "biology", "history", "geography", "literature", "english", "informatics"]
    out = set()
    assert n <= len(words) * 22 * 3 // 2, "not that many distinct combinations"
    while len(out) < n:
        q = rnd.choice(words)
        r = rnd.random()
        if r < 0.4:
            q += f"&grade={rnd.randint(1, 12)}"
        elif r < 0.7:
            q += f"&subject={rnd.choice(subjects)}"
        q += f"&page={rnd.randint(1, 3)}"
        out.add(q)
    return sorted(out)


def bearer(port, user):
    """A token for a demo account: the bench's demo password, or the default one when the
    database was seeded earlier without it."""
    for password in (PASSWORD, "educommons-demo"):
        c = http.client.HTTPConnection("127.0.0.1", port)
        c.request("POST", "/api/v1/auth/token", body=json.dumps({"username": user, "password": password}), headers={"Content-Type": "application/json"})
        r = c.getresponse()
        body = r.read()
        if r.status == 201:
            return json.loads(body)["token"]
    raise RuntimeError(f"cannot sign in as {user}")


def encode(q):
    out = []
    for pair in q.split("&"):
        if not pair:
            continue
        k, _, v = pair.partition("=")
        out.append(k + "=" + urllib.parse.quote(v))
    return "/api/v1/search/resources?" + "&".join(out)


def split_corpus(corpus, work):
    """80% of the files published nationally, 20% for the province."""
    files = sorted(f for f in os.listdir(corpus) if f.endswith(".csv"))
    cut = max(1, int(len(files) * 0.8))
    parts = {"nation": files[:cut], "province": files[cut:]}
    dirs = {}
    for name, fs in parts.items():
        d = os.path.join(work, name)
        os.makedirs(d, exist_ok=True)
        for f in fs:
            os.symlink(os.path.join(os.path.abspath(corpus), f), os.path.join(d, f))
        dirs[name] = d
    return dirs


def sequential(port, paths, seconds, headers):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    lat, end, i, totals = [], time.perf_counter() + seconds, 0, []
    while time.perf_counter() < end:
        p = paths[i % len(paths)]
        t = time.perf_counter()
        c.request("GET", p, headers=headers)
        r = c.getresponse()
        body = r.read()
        lat.append((time.perf_counter() - t) * 1000)
        if r.status != 200:
            raise RuntimeError(f"{p}: {r.status} {body[:200]!r}")
        if i < len(paths):
            totals.append((p, json.loads(body)["total"]))
        i += 1
    lat.sort()
    return {"requests": len(lat), "p50_ms": round(lat[len(lat) // 2], 2), "p95_ms": round(lat[int(len(lat) * 0.95)], 2),
            "max_ms": round(lat[-1], 2)}, totals


WRK_LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], headers)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%.3f %%.3f %%.3f %%d\\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def concurrent(port, paths, seconds, auth, connections=32):
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write("headers = {}\n" + (f'headers["Authorization"] = "{auth}"\n' if auth else "") +
                 WRK_LUA % ", ".join(json.dumps(p) for p in paths))
    script.close()
    url = f"http://127.0.0.1:{port}/"
    subprocess.run(["wrk", "-t2", f"-c{connections}", "-d3s", "-s", script.name, url], capture_output=True, timeout=60)
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script.name, url],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    line = next(l for l in out.splitlines() if l.startswith("RESULT"))
    n, dur, p50, p95, p99, errors = line.split()[1:]
    return {"connections": connections, "requests": int(n), "per_second": round(int(n) / (int(dur) / 1e6), 1),
            "p50_ms": float(p50), "p95_ms": float(p95), "p99_ms": float(p99), "errors": int(errors)}


def run_one(binary, corpus, label, seconds, pg_url=None, existing_data=None):
    """With `existing_data` (a data folder, or for PostgreSQL any folder plus a database that
    already holds the corpus) the import is skipped and only searches are measured."""
    work = tempfile.mkdtemp(prefix=f"ec-libbench-{label}-")
    data = existing_data or os.path.join(work, "data")
    env = dict(os.environ, EDUCOMMONS_DATA=data, EDUCOMMONS_DEMO_PASSWORD=PASSWORD, EDUCOMMONS_HOME=ROOT, LOG_LEVEL="warning")
    env.pop("DATABASE_URL", None)
    if pg_url:
        env["DATABASE_URL"] = pg_url
    cache_off = os.environ.get("EDUCOMMONS_SEARCH_CACHE_SECONDS") == "0"
    dirs = split_corpus(corpus, work) if not existing_data else {}
    port = free_port()
    proc = subprocess.Popen([binary, "serve", "--demo", "--port", str(port)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result = {"database": label}
    try:
        wait_healthy(port, proc, limit=300)
        started = time.perf_counter()
        if existing_data:
            result["import_seconds"] = "reused an imported database"
        for scope, d in dirs.items():
            subprocess.run([binary, "library", "import", d, "--org", "/vn/19/", "--publish", "/vn/" if scope == "nation" else "/vn/19/"],
                           env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not existing_data:
            result["import_seconds"] = round(time.perf_counter() - started, 1)
        if pg_url:
            out = subprocess.run(["psql", pg_url, "-tAc", "SELECT pg_database_size(current_database()), "
                                  "pg_total_relation_size('resource_search') + pg_total_relation_size('resource_facets')"],
                                 capture_output=True, text=True).stdout.strip().split("|")
            result["database_mb"] = round(int(out[0]) / 1048576, 1)
            result["search_index_mb"] = round(int(out[1]) / 1048576, 1)
        else:
            size = sum(os.path.getsize(os.path.join(data, f)) for f in os.listdir(data) if f.startswith("educommons.sqlite"))
            result["database_mb"] = round(size / 1048576, 1)
        paths = [encode(q) for q in QUERIES]
        t = bearer(port, "teacher")
        auth = {"Authorization": f"Bearer {t}"}
        result["one_client_anonymous"], totals = sequential(port, paths, seconds, {})
        result["one_client_signed_in"], _ = sequential(port, paths, seconds, auth)
        result["hits_per_query"] = {urllib.parse.unquote(p.split("?", 1)[1]): n for p, n in totals}
        result["clients_32_anonymous"] = concurrent(port, paths, seconds, None)
        result["clients_32_signed_in"] = concurrent(port, paths, seconds, f"Bearer {t}")
        mix = [encode(q) for q in varied(600)]
        result["clients_32_varied_600_queries"] = concurrent(port, mix, seconds, f"Bearer {t}")
        result["one_client_varied"], _ = sequential(port, mix, seconds, auth)
        result["rss_mb_after"] = round(rss_kb(proc.pid) / 1024, 1)
        if cache_off:
            result["search_cache"] = "off (EDUCOMMONS_SEARCH_CACHE_SECONDS=0)"
    finally:
        stop(proc)
        shutil.rmtree(work, ignore_errors=True)
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "educommons"))
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--pg", help="PostgreSQL URL of an empty database to use (dropped and re-created schema)")
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--only", choices=["sqlite", "postgres"])
    ap.add_argument("--sqlite-data", help="a data folder that already holds the imported corpus (skips the import)")
    ap.add_argument("--pg-existing", action="store_true", help="the --pg database already holds the corpus (skips the import)")
    a = ap.parse_args()
    rows = sum(1 for f in os.listdir(a.corpus) if f.endswith(".csv") for _ in open(os.path.join(a.corpus, f), encoding="utf-8")) - \
        len([f for f in os.listdir(a.corpus) if f.endswith(".csv")])
    out = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)},
           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "corpus_rows": rows, "queries": QUERIES, "results": []}
    if a.only != "postgres":
        out["results"].append(run_one(a.binary, a.corpus, "sqlite", a.seconds, existing_data=a.sqlite_data))
    if a.pg and a.only != "sqlite":
        if a.pg_existing:
            out["results"].append(run_one(a.binary, a.corpus, "postgres", a.seconds, a.pg, existing_data=tempfile.mkdtemp(prefix="ec-pgdata-")))
        else:
            subprocess.run(["psql", a.pg, "-qc", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"], check=True)
            out["results"].append(run_one(a.binary, a.corpus, "postgres", a.seconds, a.pg))
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
