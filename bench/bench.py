#!/usr/bin/env python3
"""EduCommons foundation benchmarks. Runs against a release build on loopback only and
prints one JSON object of figures. Every load is bounded in time.

  python3 bench/bench.py [--binary .build/release/educommons] [--skip-import]

Measures: cold start to a 200 from /healthz with the demo data present (SQLite), idle
resident memory, authenticated GET /api/v1/me under wrk (64 connections), a 30,000-person
OneRoster import, and the bytes of a pupil's first visit (compressed, on the wire)."""
import argparse, gzip, zlib, http.client, json, os, platform, re, shutil, socket, statistics, subprocess, sys, tempfile, time, urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PASSWORD = "bench-demo-pass"


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def env_for(data):
    e = dict(os.environ, EDUCOMMONS_DATA=data, EDUCOMMONS_DEMO_PASSWORD=PASSWORD, EDUCOMMONS_HOME=ROOT, LOG_LEVEL="warning")
    e.pop("DATABASE_URL", None)
    return e


def wait_healthy(port, proc, limit=60.0):
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return time.perf_counter() - start
        except OSError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("server exited early")
        time.sleep(0.002)
    raise RuntimeError("no 200 from /healthz")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def serve(binary, data, port, demo=False):
    args = [binary, "serve", "--port", str(port)] + (["--demo"] if demo else [])
    return subprocess.Popen(args, env=env_for(data), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def token(port, user):
    c = http.client.HTTPConnection("127.0.0.1", port)
    c.request("POST", "/api/v1/auth/token", body=json.dumps({"username": user, "password": PASSWORD}), headers={"Content-Type": "application/json"})
    r = c.getresponse()
    assert r.status == 201, r.read()
    return json.loads(r.read())["token"]


def cold_start(binary, data, runs=10):
    times, rss_idle = [], []
    for i in range(runs):
        port = free_port()
        p = serve(binary, data, port)
        times.append(wait_healthy(port, p))
        if i == runs - 1:
            time.sleep(5)
            rss_idle.append(rss_kb(p.pid))
        stop(p)
    return {"runs": runs, "median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3), "idle_rss_mb": round(rss_idle[0] / 1024, 1)}


def wrk_me(binary, data, seconds=20, connections=64):
    port = free_port()
    p = serve(binary, data, port)
    try:
        wait_healthy(port, p)
        t = token(port, "pupil")
        # Warm up, then the measured run.
        subprocess.run(["wrk", "-t2", f"-c{connections}", "-d3s", "-H", f"Authorization: Bearer {t}", f"http://127.0.0.1:{port}/api/v1/me"], capture_output=True, timeout=30)
        out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {t}",
                              f"http://127.0.0.1:{port}/api/v1/me"], capture_output=True, text=True, timeout=seconds + 30).stdout
        rss = rss_kb(p.pid)
    finally:
        stop(p)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    def lat(label):
        m = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out)
        v, u = float(m.group(1)), m.group(2)
        return round(v / 1000 if u == "us" else v * 1000 if u == "s" else v, 2)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"connections": connections, "seconds": seconds, "requests_per_s": round(rps), "p50_ms": lat("50%"), "p99_ms": lat("99%"),
            "non_2xx": int(non2xx.group(1)) if non2xx else 0, "socket_errors": errors.group(1) if errors else "none", "rss_under_load_mb": round(rss / 1024, 1)}


def oneroster_import(binary, size=30000):
    data = tempfile.mkdtemp(prefix="ec-bench-import-")
    roster = tempfile.mkdtemp(prefix="ec-bench-roster-")
    try:
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_oneroster.py"), roster, str(size)], check=True, capture_output=True)
        env = env_for(data)
        # An empty database needs a root first: the import places the district under it.
        subprocess.run([binary, "user", "create", "--username", "admin", "--password", PASSWORD, "--family-name", "Bench",
                        "--given-name", "Admin", "--country", "VN"], env=env, cwd=ROOT, check=True, capture_output=True)
        start = time.perf_counter()
        r = subprocess.run([binary, "import", "oneroster", roster], env=env, cwd=ROOT, capture_output=True, text=True)
        first = time.perf_counter() - start
        if r.returncode != 0:
            raise RuntimeError(r.stdout + r.stderr)
        start = time.perf_counter()
        r2 = subprocess.run([binary, "import", "oneroster", roster], env=env, cwd=ROOT, capture_output=True, text=True)
        second = time.perf_counter() - start
        result = {"people": size, "first_import_s": round(first, 1), "second_identical_import_s": round(second, 1),
                  "second_changed": "created" in r2.stdout.lower() or "updated" in r2.stdout.lower(), "summary": r.stdout.strip().splitlines()[:3]}
        result["people_search"] = people_search(binary, data)
        return result
    finally:
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(roster, ignore_errors=True)


def people_search(binary, data, seconds=10):
    """Directory search by name across the imported 30,000 people, as the national
    administrator (whose scope holds all of them): the LIKE scan of decision 0003."""
    port = free_port()
    p = serve(binary, data, port)
    try:
        wait_healthy(port, p)
        t = token(port, "admin")
        url = f"http://127.0.0.1:{port}/api/v1/people?q=nguyen%20an&limit=50"
        out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {t}", url],
                             capture_output=True, text=True, timeout=seconds + 30).stdout
    finally:
        stop(p)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    v, u = float(p99.group(1)), p99.group(2)
    return {"query": "q=nguyen an, limit 50, scope: 30,000 people", "connections": 16, "requests_per_s": round(rps),
            "p99_ms": round(v / 1000 if u == "us" else v * 1000 if u == "s" else v, 2)}


class Wire:
    """Counts bytes on the wire: request line + headers + body out, status + headers + body in."""
    def __init__(self, port):
        self.port, self.sent, self.received, self.cookies, self.log = port, 0, 0, {}, []

    def request(self, method, path, body=None, headers=None):
        h = {"Host": f"127.0.0.1:{self.port}", "Accept-Encoding": "gzip, deflate, br", "Accept-Language": "vi-VN,vi;q=0.9",
             "User-Agent": "Mozilla/5.0 (Linux; Android 11) bench", "Accept": "text/html,*/*"}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        h.update(headers or {})
        data = body.encode() if isinstance(body, str) else body
        raw = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + (f"Content-Length: {len(data)}\r\n" if data else "") + "\r\n"
        self.sent += len(raw) + (len(data) if data else 0)
        c = http.client.HTTPConnection("127.0.0.1", self.port)
        c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for k, v in h.items():
            c.putheader(k, v)
        if data:
            c.putheader("Content-Length", str(len(data)))
        c.endheaders(data)
        r = c.getresponse()
        payload = r.read()
        header_bytes = len(f"HTTP/1.1 {r.status} {r.reason}\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in r.getheaders()) + 2
        self.received += header_bytes + len(payload)
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, val = v.split(";")[0].split("=", 1)
                self.cookies[name] = val
        self.log.append((method, path, r.status, header_bytes + len(payload), r.getheader("Content-Encoding") or "identity"))
        enc = r.getheader("Content-Encoding")
        raw_text = gzip.decompress(payload) if enc == "gzip" else zlib.decompress(payload) if enc == "deflate" else payload
        text = raw_text.decode("utf-8", "replace")
        return r, text


def first_visit(binary, data):
    port = free_port()
    p = serve(binary, data, port)
    try:
        wait_healthy(port, p)
        w = Wire(port)
        r, _ = w.request("GET", "/")
        r, page = w.request("GET", r.getheader("Location"))
        assets = sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', page)))
        for a in assets:
            w.request("GET", a)
        csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"_csrf": csrf, "next": "/", "username": "pupil", "password": PASSWORD})
        r, _ = w.request("POST", "/signin", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status == 303, r.status
        r, home = w.request("GET", r.getheader("Location"))
        assert "Lớp 3A" in home
        # Assets of the home page that the sign-in page did not already bring (cached for a year).
        for a in sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', home)) - set(assets)):
            w.request("GET", a)
    finally:
        stop(p)
    return {"total_kb": round((w.sent + w.received) / 1024, 1), "received_kb": round(w.received / 1024, 1), "sent_kb": round(w.sent / 1024, 1),
            "requests": [f"{m} {path} {s} {n}B {enc}" for m, path, s, n, enc in w.log]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build/release/educommons"))
    ap.add_argument("--skip-import", action="store_true")
    ap.add_argument("--wrk-seconds", type=int, default=20)
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    data = tempfile.mkdtemp(prefix="ec-bench-")
    results = {"machine": {"cpus": os.cpu_count(), "model": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?"),
                           "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1), "kernel": platform.release()},
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    try:
        # Seed the demo once, then measure starts with the demo data present.
        port = free_port()
        p = serve(binary, data, port, demo=True)
        results["demo_seed_s"] = round(wait_healthy(port, p, 120), 2)
        stop(p)
        results["cold_start"] = cold_start(binary, data)
        results["first_visit"] = first_visit(binary, data)
        results["me_throughput"] = wrk_me(binary, data, a.wrk_seconds)
        if not a.skip_import:
            results["oneroster_import"] = oneroster_import(binary)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
