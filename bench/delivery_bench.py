#!/usr/bin/env python3
"""Files of the commons: memory while a 1 GB file is uploaded (multipart, streamed), and
download throughput of the content route against nginx serving the same file from disk.
Loopback only, bounded in time. Needs curl and nginx (Debian: nginx-light).

  python3 bench/delivery_bench.py [--binary .build/release/educommons] [--size-mb 1024]"""
import argparse, json, os, platform, shutil, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(__file__))
from bench import ROOT, PASSWORD, free_port, wait_healthy, rss_kb, stop, token  # noqa: E402


def curl_speed(url, headers=(), seconds=30):
    args = ["curl", "-s", "-o", "/dev/null", "-w", "%{speed_download} %{size_download} %{http_code}", "--max-time", str(seconds)]
    for h in headers:
        args += ["-H", h]
    out = subprocess.run(args + [url], capture_output=True, text=True).stdout.split()
    return float(out[0]), int(out[1]), out[2]


def wrk_rps(url, headers, connections, seconds=8):
    """Requests per second over kept-alive connections (a video player's way), or None
    when wrk is not installed."""
    if not shutil.which("wrk"):
        return None
    args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s"]
    for h in headers:
        args += ["-H", h]
    out = subprocess.run(args + [url], capture_output=True, text=True).stdout
    line = next((l for l in out.splitlines() if l.startswith("Requests/sec:")), None)
    return float(line.split()[1]) if line else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "educommons"))
    ap.add_argument("--size-mb", type=int, default=1024)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="ec-delivery-")
    data = os.path.join(work, "data")
    big = os.path.join(work, "lesson.mp4")
    # An MP4 signature, then random bytes: the type check accepts it as a video.
    with open(big, "wb") as f:
        f.write(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
        chunk = os.urandom(1 << 20)
        for _ in range(a.size_mb):
            f.write(chunk)
    size = os.path.getsize(big)
    env = dict(os.environ, EDUCOMMONS_DATA=data, EDUCOMMONS_DEMO_PASSWORD=PASSWORD, EDUCOMMONS_HOME=ROOT, LOG_LEVEL="warning")
    env.pop("DATABASE_URL", None)
    port = free_port()
    proc = subprocess.Popen([a.binary, "serve", "--demo", "--port", str(port)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result = {"file_bytes": size}
    nginx = None
    try:
        wait_healthy(port, proc, limit=120)
        t = token(port, "teacher")
        time.sleep(2)
        before = rss_kb(proc.pid)
        peak = [before]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], rss_kb(proc.pid))
                time.sleep(0.05)
        threading.Thread(target=sample, daemon=True).start()
        meta = json.dumps({"kind": "video", "title": {"vi": "Thí nghiệm"}, "language": "vi", "licence": "CC-BY-4.0"})
        started = time.perf_counter()
        out = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", "-H", f"Authorization: Bearer {t}",
                              "-F", f"metadata={meta};type=application/json", "-F", f"file=@{big};type=video/mp4",
                              f"http://127.0.0.1:{port}/api/v1/resources"], capture_output=True, text=True, timeout=600).stdout
        elapsed = time.perf_counter() - started
        done.set()
        body, status = out.rsplit("\n", 1)
        assert status == "201", out[:300]
        rid = json.loads(body)["id"]
        sha = json.loads(body)["versions"][0]["sha256"]
        result["upload"] = {"seconds": round(elapsed, 1), "mb_per_s": round(size / elapsed / 1e6, 1),
                            "rss_before_mb": round(before / 1024, 1), "rss_peak_mb": round(peak[0] / 1024, 1),
                            "rss_growth_mb": round((peak[0] - before) / 1024, 1)}
        # Downloads: the whole file and 8 MB ranges (a new curl and connection per request,
        # then kept-alive with wrk), ours against nginx on the same blob.
        blob = os.path.join(data, "blobs", sha[:2], sha[2:4], sha)
        nport = free_port()
        conf = os.path.join(work, "nginx.conf")
        with open(conf, "w") as f:
            # The blob folder is private to this user: nginx's workers run as the same user.
            f.write(f"""user {os.environ.get("USER", "root")}; worker_processes 1; daemon off; pid {work}/nginx.pid; error_log {work}/nginx.err;
events {{ worker_connections 64; }}
http {{ access_log off; sendfile on; server {{ listen 127.0.0.1:{nport}; location / {{ root {os.path.dirname(blob)}; }} }} }}""")
        nginx = subprocess.Popen(["nginx", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
        ours_url = f"http://127.0.0.1:{port}/api/v1/resources/{rid}/content"
        nginx_url = f"http://127.0.0.1:{nport}/{sha}"
        auth = [f"Authorization: Bearer {t}"]
        rows = {}
        for label, url, h in [("educommons", ours_url, auth), ("nginx", nginx_url, [])]:
            curl_speed(url, h + ["Range: bytes=0-1048575"])  # warm the page cache
            full, ranged = [], []
            for _ in range(3):
                speed, got, code = curl_speed(url, h)
                assert code == "200" and got == size, f"{label}: {code}, {got} bytes"
                full.append(speed)
            for o in range(0, 512 * 1048576, 64 * 1048576):
                speed, got, code = curl_speed(url, h + [f"Range: bytes={o}-{o + 8 * 1048576 - 1}"])
                assert code == "206" and got == 8 * 1048576, f"{label} range: {code}, {got} bytes"
                ranged.append(speed)
            rows[label] = {"full_file_mb_per_s": round(max(full) / 1e6, 1), "range_8mb_mb_per_s": round(sum(ranged) / len(ranged) / 1e6, 1)}
        rows["ratio_full"] = round(rows["educommons"]["full_file_mb_per_s"] / rows["nginx"]["full_file_mb_per_s"], 2)
        rows["ratio_range"] = round(rows["educommons"]["range_8mb_mb_per_s"] / rows["nginx"]["range_8mb_mb_per_s"], 2)
        # The same 8 MB range again and again over kept-alive connections (wrk), ours and
        # nginx taken in turns of 4 s: this machine's speed drifts over minutes, and pairs
        # measured side by side give a steadier ratio than two separate series.
        for c in (1, 4):
            pairs = []
            for _ in range(4):
                ours = wrk_rps(ours_url, auth + ["Range: bytes=100000000-108388607"], c, seconds=4)
                theirs = wrk_rps(nginx_url, ["Range: bytes=100000000-108388607"], c, seconds=4)
                if ours and theirs:
                    pairs.append((ours, theirs))
            if pairs:
                mb = lambda rps: round(rps * 8 * 1048576 / 1e6, 1)
                rows[f"range_8mb_keepalive_{c}conn"] = {
                    "educommons_mb_per_s": [mb(p[0]) for p in pairs], "nginx_mb_per_s": [mb(p[1]) for p in pairs],
                    "ratio_median": round(sorted(p[0] / p[1] for p in pairs)[len(pairs) // 2], 2)}
        result["download"] = rows
    finally:
        if nginx:
            nginx.terminate()
        stop(proc)
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"machine": {"cpus": os.cpu_count(), "platform": platform.platform()}, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                      "results": result}, indent=1))


if __name__ == "__main__":
    main()
