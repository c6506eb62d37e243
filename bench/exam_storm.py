#!/usr/bin/env python3
"""Exam storm: 5,000 pupils, signed in beforehand, start the same exam within 60 s and each
saves 40 answers at human-like intervals compressed in time. Reports starts, answer saves/s,
p50/p99 latency and errors. With --kill-at S the server is killed with SIGKILL S seconds into
the storm, restarted, and every acknowledged answer is looked for in the database.

  python3 bench/exam_storm.py [--pg postgres://…] [--pupils 5000] [--kill-at 40]

Runs on loopback only, bounded in time. Needs a release build (.build/release/educommons),
wrk is not used: the load is an asyncio client (uvloop when installed) holding one keep-alive
connection per pupil, so its own CPU use competes with the server on this machine; the
report gives the client's CPU seconds too.

Signing in 5,000 pupils through bcrypt would take minutes of set-up, so the pupils' API
tokens are written straight into access_tokens (hash = SHA-256 of the raw token, the same
rule the server applies), copying the lifetime of a token the server issued to the admin."""
import argparse, asyncio, gc, hashlib, json, os, platform, random, resource, secrets, shutil, signal, socket, statistics, subprocess, sys, tempfile, time, uuid
import http.client

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PASSWORD = "bench-storm-pass"
QUESTIONS = 40


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


class Store:
    """Direct reads of the database the server uses: SQLite file or PostgreSQL via psql."""
    def __init__(self, data, pg):
        self.data, self.pg = data, pg

    def query(self, sql):
        if self.pg:
            out = subprocess.run(["psql", self.pg, "-tAF", "\t", "-c", sql], check=True, capture_output=True, text=True).stdout
            return [line.split("\t") for line in out.splitlines() if line]
        import sqlite3
        c = sqlite3.connect(os.path.join(self.data, "educommons.sqlite"))
        try:
            return [[str(v) for v in row] for row in c.execute(sql).fetchall()]
        finally:
            c.close()

    def execute_script(self, sql):
        if self.pg:
            subprocess.run(["psql", self.pg, "-q", "-v", "ON_ERROR_STOP=1"], input=sql, check=True, capture_output=True, text=True)
        else:
            import sqlite3
            c = sqlite3.connect(os.path.join(self.data, "educommons.sqlite"))
            c.executescript(sql)
            c.close()

    def uuid_hex(self, column):
        # SQLite keeps UUIDs as upper-case text with dashes (Foundation's uuidString).
        return f"replace({column}::text, '-', '')" if self.pg else f"lower(replace({column}, '-', ''))"

    def uuid_literal(self, hex32):
        return f"'{uuid.UUID(hex32)}'" if self.pg else f"'{str(uuid.UUID(hex32)).upper()}'"


class Server:
    def __init__(self, binary, env, port):
        self.binary, self.env, self.port, self.proc = binary, env, port, None

    def start(self, log):
        self.proc = subprocess.Popen([self.binary, "serve", "--port", str(self.port)], env=self.env, cwd=ROOT, stdout=log, stderr=log)
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 120:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    return time.perf_counter() - t0
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("server exited early; see the log")
            time.sleep(0.01)
        raise RuntimeError("no 200 from /healthz")

    def rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)

    def cpu_s(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill(); self.proc.wait()


def environment(prefix, pg):
    """A throw-away data folder and the server's environment; with `pg`, that database's
    public schema is reset first."""
    data = tempfile.mkdtemp(prefix=prefix)
    env = dict(os.environ, EDUCOMMONS_DATA=data, EDUCOMMONS_HOME=ROOT, LOG_LEVEL="warning")
    env.pop("DATABASE_URL", None)
    if pg:
        env["DATABASE_URL"] = pg
        subprocess.run(["psql", pg, "-qc", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"], check=True, capture_output=True)
    return data, env


def report_head(pg):
    """The machine and the date every report starts with."""
    return {"machine": {"cpus": os.cpu_count(), "model": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?"),
                        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1), "kernel": platform.release()},
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "database": "postgresql" if pg else "sqlite"}


def write_tokens(store, person_ids):
    """An API token for each person, written straight into access_tokens (hash = SHA-256 of
    the raw token, the server's rule) with the lifetime of the first token the server issued
    (the admin's); answers the raw tokens in order."""
    admin_token = store.query(f"SELECT {store.uuid_hex('id')} FROM access_tokens")[0][0]
    raws, stmts = [], ["BEGIN;"]
    for pid in person_ids:
        raw = secrets.token_urlsafe(32)
        raws.append(raw)
        stmts.append(f"INSERT INTO access_tokens (id, person_id, token_hash, kind, created_at, expires_at) SELECT {store.uuid_literal(uuid.uuid4().hex)}, "
                     f"{store.uuid_literal(pid)}, '{hashlib.sha256(raw.encode()).hexdigest()}', 'api', created_at, expires_at FROM access_tokens "
                     f"WHERE id = {store.uuid_literal(admin_token)};")
    stmts.append("COMMIT;")
    store.execute_script("\n".join(stmts))
    return raws


def call(port, method, path, token=None, body=None, content_type="application/json"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = body if isinstance(body, (bytes, type(None))) else (body if isinstance(body, str) else json.dumps(body)).encode()
    c.request(method, path, body=data, headers=headers)
    r = c.getresponse()
    payload = r.read()
    if r.status >= 300:
        raise RuntimeError(f"{method} {path}: {r.status} {payload[:400]!r}")
    return json.loads(payload) if payload else None


def gift_paper():
    lines = []
    for i in range(QUESTIONS):
        a, b = 3 + i, 7 + 2 * i
        lines.append(f"::Q{i + 1}:: {a} + {b} = ? {{={a + b} ~{a + b + 1} ~{a + b - 1} ~{a + b + 10}}}\n")
    return "\n".join(lines)


def prepare(binary, env, store, pupils, log):
    """An empty platform with one district of pupils, an exam for the district, and a token per pupil."""
    run = lambda *args: subprocess.run([binary, *args], env=env, cwd=ROOT, check=True, stdout=log, stderr=log)
    run("user", "create", "--username", "admin", "--password", PASSWORD, "--family-name", "Bench", "--given-name", "Admin", "--country", "VN")
    roster = tempfile.mkdtemp(prefix="ec-storm-roster-")
    try:
        # gen_oneroster makes 80 % pupils; ask for enough people to have the pupils wanted.
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_oneroster.py"), roster, str(int(pupils / 0.8) + 10)], check=True, capture_output=True)
        run("import", "oneroster", roster)
    finally:
        shutil.rmtree(roster, ignore_errors=True)
    return


async def http_request(reader, writer, head, body=b""):
    """One request on a kept-alive connection; `head` is the request line and headers
    without Content-Length. Parsed with as few Python steps as possible: the client shares
    the machine with the server."""
    writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
    raw = await reader.readuntil(b"\r\n\r\n")
    status = int(raw[9:12])
    i = raw.lower().find(b"content-length:")
    length = int(raw[i + 15:raw.index(b"\r\n", i)]) if i >= 0 else 0
    payload = await reader.readexactly(length) if length else b""
    return status, payload


class Tally:
    def __init__(self):
        self.start_lat, self.save_lat, self.errors, self.done_at = [], [], {}, []
        self.acked = {}  # (attempt hex, slot) -> highest acknowledged seq
        self.started = []  # attempt ids (hex) the server acknowledged
        self.timed = []  # (finished at, latency) of each acknowledged save
        self.lags = []

    def error(self, kind):
        self.errors[kind] = self.errors.get(kind, 0) + 1


async def pupil(port, exam_id, token, start_after, mean_gap, tally, rng, stop_at):
    await asyncio.sleep(start_after)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        tally.error("connect"); return
    try:
        auth = f"Host: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\n".encode()
        t0 = time.perf_counter()
        status, body = await http_request(reader, writer, f"POST /api/v1/exams/{exam_id}/attempts HTTP/1.1\r\n".encode() + auth)
        tally.start_lat.append(time.perf_counter() - t0)
        if status != 200 and status != 201:
            tally.error(f"start-{status}"); return
        attempt = json.loads(body)
        aid = attempt["id"].replace("-", "").lower()
        tally.started.append(aid)
        slots = [q["slot"] for q in attempt["questions"]]
        put = [f"PUT /api/v1/attempts/{attempt['id']}/answers/{slot} HTTP/1.1\r\n".encode() + auth for slot in range(len(slots) + 1)]
        seq = 0
        for k in range(QUESTIONS):
            # Never past the storm's hard stop (a long --gap measures starts alone).
            await asyncio.sleep(min(rng.expovariate(1 / mean_gap), max(0.0, stop_at - time.perf_counter())))
            if time.perf_counter() >= stop_at:
                return
            # Mostly the next question; now and then a pupil changes an earlier answer.
            slot = slots[k] if k < 4 or rng.random() > 0.1 else rng.choice(slots[:k])
            seq += 1
            payload = b'{"seq":%d,"response":{"choices":[%d]}}' % (seq, rng.randrange(4))
            t0 = time.perf_counter()
            status, body = await http_request(reader, writer, put[slot], payload)
            t1 = time.perf_counter()
            if status == 200:
                tally.save_lat.append(t1 - t0)
                tally.done_at.append(t1)
                tally.timed.append((t1, t1 - t0))
                # Applied: this save is what is stored; otherwise a newer one of ours is.
                if b'"applied":true' in body:
                    key = (aid, slot)
                    tally.acked[key] = max(tally.acked.get(key, 0), seq)
            else:
                tally.error(f"save-{status}")
    except (ConnectionError, OSError, asyncio.IncompleteReadError, ValueError):
        tally.error("connection")
    finally:
        writer.close()


def server_histograms(port):
    """The server's own view of the same requests (its /metrics histogram): time from the
    request reaching the middleware to the answer, without the sockets and queues before."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", "/metrics")
    text = c.getresponse().read().decode()
    out = {}
    for route, name in (("/api/v1/attempts/:id/answers/:slot", "save"), ("/api/v1/exams/:id/attempts", "start")):
        buckets = []
        for line in text.splitlines():
            if line.startswith("educommons_http_request_duration_seconds_bucket") and f'route="{route}"' in line:
                le = line.split('le="')[1].split('"')[0]
                buckets.append((float("inf") if le == "+Inf" else float(le), float(line.rsplit(" ", 1)[1])))
        buckets.sort()
        if buckets:
            total = buckets[-1][1]
            out[name] = {f"<= {int(le * 1000)} ms" if le != float("inf") else "all": round(n / total * 100, 2) for le, n in buckets}
    return out


def steal_s():
    """CPU time the hypervisor gave to others while this VM wanted it (all CPUs, seconds):
    on a shared virtual machine it explains runs that are slower on every figure at once."""
    with open("/proc/stat") as f:
        return int(f.readline().split()[8]) / os.sysconf("SC_CLK_TCK")


def pct(xs, p):
    if not xs:
        return None
    s = sorted(xs)
    return round(s[min(len(s) - 1, int(len(s) * p))] * 1000, 1)


async def storm(port, exam_id, tokens, spread, mean_gap, limit, server=None, kill_at=None):
    try:
        import uvloop  # noqa: F401
    except ImportError:
        pass
    tally = Tally()
    rng = random.Random(42)
    begin = time.perf_counter()
    stop_at = begin + limit
    tasks = [asyncio.create_task(pupil(port, exam_id, t, rng.uniform(0, spread), mean_gap, tally, random.Random(i), stop_at))
             for i, t in enumerate(tokens)]
    samples = []
    killed = None

    lags = []

    async def lag():
        # How late the client's own loop wakes: latency it adds to every figure.
        while True:
            t = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append((time.perf_counter() - begin, time.perf_counter() - t - 0.01))

    async def watch():
        nonlocal killed
        while True:
            await asyncio.sleep(1)
            if server and server.proc.poll() is None:
                samples.append((round(time.perf_counter() - begin), server.rss_mb(), server.cpu_s(), steal_s()))
            if kill_at and killed is None and time.perf_counter() - begin >= kill_at:
                server.proc.send_signal(signal.SIGKILL)
                killed = time.perf_counter() - begin
    w = asyncio.create_task(watch())
    lw = asyncio.create_task(lag())
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=limit + 60)
    w.cancel()
    lw.cancel()
    tally.lags = lags
    return tally, time.perf_counter() - begin, samples, killed, begin


def summarise(tally, elapsed, samples, begin):
    # Throughput: answers acknowledged per second, overall and in the busiest 10 seconds.
    buckets = {}
    for t in tally.done_at:
        s = int(t - begin)
        buckets[s] = buckets.get(s, 0) + 1
    busiest = max((sum(buckets.get(s + k, 0) for k in range(10)) / 10 for s in buckets), default=0)
    active = [s for s, n in buckets.items() if n > 0]
    span = (max(active) - min(active) + 1) if active else 1
    # Every 10 seconds: saves/s, p99 of saves finished then, the server's CPU use (cores).
    timeline = []
    cpu_at = {t: c for t, _, c, _ in samples}
    steal_at = {t: st for t, _, _, st in samples}
    for w0 in range(0, int(max((t - begin for t, _ in tally.timed), default=0)) + 1, 10):
        lat = [l for t, l in tally.timed if w0 <= t - begin < w0 + 10]
        c0, c1 = cpu_at.get(w0), cpu_at.get(w0 + 10)
        s0, s1 = steal_at.get(w0), steal_at.get(w0 + 10)
        lag = [l for t, l in tally.lags if w0 <= t < w0 + 10]
        timeline.append(f"{w0:>3}-{w0 + 10:<3}s {len(lat) / 10:>6.0f}/s p99 {pct(lat, 0.99) or 0:>7.1f} ms client lag p99 {pct(lag, 0.99) or 0:>6.1f} max {pct(lag, 1.0) or 0:>6.1f} ms cpu {((c1 - c0) / 10) if c0 is not None and c1 is not None else float('nan'):.2f} steal {((s1 - s0) / 10) if s0 is not None and s1 is not None else float('nan'):.2f}")
    return {
        "timeline": timeline,
        "pupils_started": len(tally.started),
        "start_p50_ms": pct(tally.start_lat, 0.5), "start_p99_ms": pct(tally.start_lat, 0.99), "start_max_ms": pct(tally.start_lat, 1.0),
        "starts_over_1s": sum(1 for x in tally.start_lat if x >= 1.0),
        "saves_acknowledged": len(tally.save_lat), "saves_per_s_mean": round(len(tally.save_lat) / span), "saves_per_s_busiest_10s": round(busiest),
        "save_p50_ms": pct(tally.save_lat, 0.5), "save_p99_ms": pct(tally.save_lat, 0.99), "save_max_ms": pct(tally.save_lat, 1.0),
        "errors": tally.errors, "storm_s": round(elapsed, 1),
        "server_peak_rss_mb": max((m for _, m, _, _ in samples), default=None),
        "steal_s": round(samples[-1][3] - samples[0][3], 1) if len(samples) > 1 else None,
        "server_cpu_s": round(samples[-1][2] - samples[0][2], 1) if len(samples) > 1 else None,
    }


WRK_LUA = """
local pupils = {%s}
local counter, tid = 0, 0
local threads = 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
function init(args) tid = tonumber(wrk.thread:get("tid")) or 0 end
request = function()
  counter = counter + 1
  -- thread t uses pupils t, t+T, ...: each pupil's sequence numbers only grow.
  local n = #pupils / 2
  local p = pupils[((counter %% n) * 2 + tid) %% #pupils + 1]
  local slot = (counter %% 40) + 1
  local body = '{"seq":' .. counter .. ',"response":{"choices":[' .. (counter %% 4) .. ']}}'
  return wrk.format("PUT", "/api/v1/attempts/" .. p[2] .. "/answers/" .. slot,
    {["Authorization"] = "Bearer " .. p[1], ["Content-Type"] = "application/json"}, body)
end
"""


def wrk_capacity(port, exam_id, tokens, seconds, connections):
    """The server's answer-save capacity with a cheap C client (wrk): every pupil's attempt
    is started first, then saves are sent as fast as the server answers them."""
    pupils = []
    for t in tokens:
        a = call(port, "POST", f"/api/v1/exams/{exam_id}/attempts", t)
        pupils.append((t, a["id"]))
    lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    lua.write(WRK_LUA % ",".join(f'{{"{t}","{a}"}}' for t, a in pupils))
    lua.close()
    try:
        out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", lua.name, f"http://127.0.0.1:{port}"],
                             capture_output=True, text=True, timeout=seconds + 60).stdout
    finally:
        os.unlink(lua.name)
    import re
    def lat(label):
        m = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out)
        v, u = float(m.group(1)), m.group(2)
        return round(v / 1000 if u == "us" else v * 1000 if u == "s" else v, 2)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"connections": connections, "seconds": seconds, "pupils": len(pupils),
            "saves_per_s": round(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))),
            "p50_ms": lat("50%"), "p99_ms": lat("99%"), "non_2xx": int(non2xx.group(1)) if non2xx else 0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build/release/educommons"))
    ap.add_argument("--pg", help="PostgreSQL URL of an empty database to use (its public schema is reset)")
    ap.add_argument("--pupils", type=int, default=5000)
    ap.add_argument("--spread", type=float, default=60.0, help="seconds over which the pupils start")
    ap.add_argument("--gap", type=float, default=1.5, help="mean seconds between one pupil's saves")
    ap.add_argument("--limit", type=float, default=240.0, help="hard stop of the storm, seconds")
    ap.add_argument("--kill-at", type=float, help="SIGKILL the server this many seconds into the storm, then check every acknowledged answer")
    ap.add_argument("--keep", action="store_true", help="keep the data folder")
    ap.add_argument("--wrk", type=int, metavar="SECONDS", help="instead of the storm, measure save capacity with wrk for this long")
    ap.add_argument("--connections", type=int, default=64, help="wrk connections (with --wrk)")
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    data, env = environment("ec-storm-", a.pg)
    store = Store(data, a.pg)
    log = open(os.path.join(data, "storm-server.log"), "ab")
    port = free_port()
    server = Server(binary, env, port)
    result = report_head(a.pg) | {"pupils": a.pupils, "questions": QUESTIONS, "start_spread_s": a.spread, "mean_gap_s": a.gap}
    try:
        t0 = time.perf_counter()
        prepare(binary, env, store, a.pupils, log)
        server.start(log)
        admin = call(port, "POST", "/api/v1/auth/token", body={"username": "admin", "password": PASSWORD})["token"]
        bank = call(port, "POST", "/api/v1/question-banks", admin, {"name": "Storm"})["id"]
        call(port, "POST", f"/api/v1/question-banks/{bank}/import?format=gift", admin, gift_paper(), "text/plain")
        district = store.query("SELECT " + store.uuid_hex("id") + " FROM organisations WHERE kind = 'district'")[0][0]
        now = time.time()
        iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        exam = call(port, "POST", "/api/v1/exams", admin, {"bankId": bank, "title": "Storm", "orgId": str(uuid.UUID(district)),
                                                            "opensAt": iso(now - 60), "closesAt": iso(now + 3 * 3600), "durationMinutes": 90})["id"]
        # Tokens for the pupils, with the lifetime of the admin's token.
        ids = [r[0] for r in store.query(f"SELECT DISTINCT {store.uuid_hex('person_id')} FROM role_grants WHERE role = 'pupil'")][: a.pupils]
        raws = write_tokens(store, ids)
        result["setup_s"] = round(time.perf_counter() - t0, 1)
        result["pupils"] = len(raws)
        if a.wrk:
            cpu_before = server.cpu_s()
            result["wrk_capacity"] = wrk_capacity(port, exam, raws, a.wrk, a.connections)
            result["wrk_capacity"]["server_cpu_s"] = round(server.cpu_s() - cpu_before, 1)
        else:
            cpu0 = resource.getrusage(resource.RUSAGE_SELF)
            try:
                import uvloop
                uvloop.install()
                result["client_loop"] = "uvloop"
            except ImportError:
                result["client_loop"] = "asyncio"
            # The client's own garbage collector paused its loop for up to half a second
            # in the busy minute (its tallies hold hundreds of thousands of objects): every
            # reply due meanwhile was counted as that much server latency. The storm's
            # objects are acyclic, so collection waits until the storm is over.
            gc.collect()
            gc.freeze()
            gc.disable()
            try:
                tally, elapsed, samples, killed, begin = asyncio.run(storm(port, exam, raws, a.spread, a.gap, a.limit, server, a.kill_at))
            finally:
                gc.enable()
            cpu1 = resource.getrusage(resource.RUSAGE_SELF)
            result["storm"] = summarise(tally, elapsed, samples, begin)
            result["storm"]["client_cpu_s"] = round(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime, 1)
            if server.proc.poll() is None:
                result["storm"]["server_side"] = server_histograms(port)
            if a.kill_at:
                result["killed_at_s"] = round(killed, 1) if killed else None
                server.proc.wait()
                result["restart_s"] = round(server.start(log), 2)
                stored = {(r[0], int(r[1])): int(r[2]) for r in store.query(f"SELECT {store.uuid_hex('attempt_id')}, slot, seq FROM attempt_answers")}
                lost = [(k, v) for k, v in tally.acked.items() if stored.get(k, -1) < v]
                # Starts are group-committed too: every attempt a pupil was given must be there.
                kept = {r[0] for r in store.query(f"SELECT {store.uuid_hex('id')} FROM attempts")}
                missing = [a for a in tally.started if a not in kept]
                result["durability"] = {"acknowledged_answers": len(tally.acked), "found": len(tally.acked) - len(lost), "lost": len(lost),
                                        "examples_lost": [f"{k[0]} slot {k[1]} seq {v}" for k, v in lost[:5]],
                                        "acknowledged_starts": len(tally.started), "starts_found": len(tally.started) - len(missing)}
    finally:
        server.stop()
        log.close()
        if a.keep:
            result["data"] = data
        else:
            shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
