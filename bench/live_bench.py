#!/usr/bin/env python3
"""Live rooms benchmark (issue #6), on loopback, bounded in time, against a release build.

  broadcast  One app process, one broadcast room of a MOOC, --viewers WebSocket viewers
             (default 10,000, each a learner with their own token). The host changes the
             slide --slides times, 2 s apart, then opens a poll that a fifth of the viewers
             answer within 5 s, and closes it. Reported: how long each slide change and
             the poll took to reach every viewer (p50/p99/max from the host's send to each
             viewer's receipt), whether every viewer got every message, whether the closed
             poll counted every vote sent, and the server's resident memory per connected
             viewer (RSS with all viewers minus RSS before them). Targets: p99 < 500 ms,
             < 40 KB per viewer.
  split      Two app processes on one PostgreSQL (--pg), the viewers split between them,
             the host on the first: every slide change and the poll must reach every viewer
             on both processes.

  python3 bench/live_bench.py [--pg postgres://...] [--part broadcast|split|all] [--viewers N]

The viewers are raw WebSocket clients on asyncio/uvloop in --workers processes (the load
generator shares the machine's two cores with the server; its own delay is in the figures).
Enrolments and tokens are written with SQL, as the other benchmarks do: 10,000 sign-ins
through bcrypt would measure nothing this benchmark is about."""
import argparse, asyncio, base64, json, multiprocessing as mp, os, random, socket, struct, sys, tempfile, time, uuid, shutil, subprocess

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exam_storm import Store, Server, call, free_port, environment, report_head, write_tokens, ROOT, PASSWORD  # noqa: E402
from courses_bench import new_uuid_sql  # noqa: E402

HANDSHAKE = ("GET /live/rooms/{room}/socket HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n")


def frame(text):
    """A masked client text frame (clients must mask)."""
    payload = text.encode()
    mask = os.urandom(4)
    head = bytes([0x81])
    n = len(payload)
    head += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class Frames:
    """Server frames from a byte stream (unmasked); answers pings."""
    def __init__(self):
        self.buf = bytearray()

    def feed(self, data):
        self.buf += data
        out = []
        while len(self.buf) >= 2:
            op, n, at = self.buf[0] & 0x0F, self.buf[1] & 0x7F, 2
            if n == 126:
                if len(self.buf) < 4: break
                n, at = struct.unpack(">H", self.buf[2:4])[0], 4
            elif n == 127:
                if len(self.buf) < 10: break
                n, at = struct.unpack(">Q", self.buf[2:10])[0], 10
            if len(self.buf) < at + n: break
            out.append((op, bytes(self.buf[at:at + n])))
            del self.buf[:at + n]
        return out


class Viewer(asyncio.Protocol):
    def __init__(self, w, voter):
        self.w, self.voter, self.t, self.frames, self.open = w, voter, None, Frames(), False
        self.head = b""
        self.voted = False
        self.last_poll = None

    def connection_made(self, t):
        self.t = t

    def data_received(self, data):
        now = time.time()
        if not self.open:
            self.head += data
            if b"\r\n\r\n" not in self.head: return
            head, rest = self.head.split(b"\r\n\r\n", 1)
            if b" 101 " not in head.split(b"\r\n", 1)[0]:
                self.w.failed.append(head.split(b"\r\n", 1)[0].decode(errors="replace")); self.t.close(); return
            self.open = True
            self.w.connected += 1
            data = rest
        for op, payload in self.frames.feed(data):
            self.w.bytes += len(payload) + 2
            if op == 0x9:
                self.t.write(bytes([0x8A, 0x80]) + os.urandom(4)); continue
            if op != 0x1: continue
            if b'"slide"' in payload:
                self.w.arrivals.append(("slide", json.loads(payload)["page"], now))
            elif b'"type":"poll"' in payload:
                m = json.loads(payload)
                if m.get("type") != "poll": continue
                key = ("poll-open" if m["open"] else "poll-closed", m["id"])
                if key not in self.seen_polls():
                    self._seen.add(key)
                    self.w.arrivals.append((key[0], m["id"], now))
                if not m["open"]:
                    self.last_poll = m
                if m["open"] and self.voter and not self.voted:
                    self.voted = True
                    asyncio.get_event_loop().call_later(random.uniform(0, 5), self.vote, m)

    def seen_polls(self):
        if not hasattr(self, "_seen"): self._seen = set()
        return self._seen

    def vote(self, m):
        if self.t and not self.t.is_closing():
            self.t.write(frame(json.dumps({"type": "vote", "poll": m["id"], "option": random.randrange(len(m["options"]))})))
            self.w.votes += 1

    def connection_lost(self, exc):
        if self.open: self.w.lost += 1


class WorkerState:
    def __init__(self):
        self.connected = self.lost = self.votes = self.bytes = 0
        self.failed, self.arrivals = [], []


def worker(port, room, tokens, rate, voters_share, ready, finish, out):
    import uvloop
    uvloop.install()

    async def main():
        w = WorkerState()
        views = []
        loop = asyncio.get_running_loop()
        t0 = time.perf_counter()
        for n, token in enumerate(tokens):
            # An even ramp: `rate` new connections per second from this worker.
            delay = t0 + n / rate - time.perf_counter()
            if delay > 0: await asyncio.sleep(delay)
            v = Viewer(w, random.random() < voters_share)
            try:
                await loop.create_connection(lambda v=v: v, "127.0.0.1", port)
            except OSError as e:
                w.failed.append(str(e)); continue
            key = base64.b64encode(os.urandom(16)).decode()
            v.t.write(HANDSHAKE.format(room=room, port=port, key=key, token=token).encode())
            views.append(v)
        while w.connected + len(w.failed) < len(tokens) and time.perf_counter() - t0 < 120:
            await asyncio.sleep(0.1)
        out.put(("connected", w.connected, w.failed[:5], len(w.failed)))
        ready.set()
        while not finish.is_set():
            await asyncio.sleep(0.05)
        closed = [v.last_poll for v in views if v.last_poll]
        out.put(("done", {"arrivals": w.arrivals, "votes": w.votes, "lost": w.lost, "bytes": w.bytes, "viewers": w.connected,
                          "closed_counts": [sum(p["counts"]) for p in closed[:1]], "saw_closed": len(closed)}))
        for v in views:
            if v.t: v.t.close()
    asyncio.run(main())


class Host:
    """The host's connection: blocking sends, a thread that reads (and drops) what comes."""
    def __init__(self, port, room, token):
        import threading
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.sendall(HANDSHAKE.format(room=room, port=port, key=base64.b64encode(os.urandom(16)).decode(), token=token).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.s.recv(4096)
        assert b" 101 " in head.split(b"\r\n", 1)[0], head[:200]
        self.frames = Frames()
        self.messages = []
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        try:
            while True:
                data = self.s.recv(65536)
                if not data: return
                for op, payload in self.frames.feed(data):
                    if op == 0x1: self.messages.append(json.loads(payload))
        except OSError:
            return

    def send(self, o):
        t = time.time()
        self.s.sendall(frame(json.dumps(o)))
        return t


def pct(samples, p):
    s = sorted(samples)
    return round(s[min(len(s) - 1, int(len(s) * p / 100))] * 1000, 1) if s else None


def setup(a, binary, env, store, port, server, log):
    """A MOOC with `viewers` learners, a broadcast room of it, the host's token and one per learner."""
    run = lambda *args: subprocess.run([binary, *args], env=env, cwd=ROOT, check=True, stdout=log, stderr=log)
    run("user", "create", "--username", "admin", "--password", PASSWORD, "--family-name", "Bench", "--given-name", "Admin", "--country", "VN")
    roster = tempfile.mkdtemp(prefix="ec-live-roster-")
    try:
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_oneroster.py"), roster, str(int(a.viewers / 0.8) + 10)], check=True, capture_output=True)
        run("import", "oneroster", roster)
    finally:
        shutil.rmtree(roster, ignore_errors=True)
    server.start(log)
    admin = call(port, "POST", "/api/v1/auth/token", body={"username": "admin", "password": PASSWORD})["token"]
    school = store.query("SELECT " + store.uuid_hex("id") + " FROM organisations WHERE kind = 'school' LIMIT 1")[0][0]
    course = call(port, "POST", "/api/v1/courses", admin, {"kind": "mooc", "title": "Hội thảo chuyên đề: Dạy học trực tuyến", "orgId": str(uuid.UUID(school))})["id"]
    call(port, "PATCH", f"/api/v1/courses/{course}", admin, {"status": "published"})
    cid = store.uuid_literal(uuid.UUID(course).hex)
    store.execute_script(f"""
        INSERT INTO enrolments (id, course_id, person_id, source, status, org_id, enrolled_at)
        SELECT {new_uuid_sql(store)}, c.id, g.person_id, 'self', 'active', c.org_id, c.created_at
        FROM (SELECT person_id FROM role_grants WHERE role = 'pupil' GROUP BY person_id LIMIT {a.viewers}) g, courses c WHERE c.id = {cid};
        UPDATE courses SET learner_count = (SELECT COUNT(*) FROM enrolments WHERE course_id = {cid}) WHERE id = {cid};
    """)
    ids = [r[0] for r in store.query(f"SELECT {store.uuid_hex('person_id')} FROM enrolments WHERE course_id = {cid}")]
    tokens = write_tokens(store, ids)
    room = call(port, "POST", "/api/v1/live/rooms", admin, {"title": "Phát sóng: Hội thảo chuyên đề", "mode": "broadcast", "courseId": course})["id"]
    return admin, room, tokens


def run_room(a, ports, room, admin, tokens, servers):
    """Viewers on `ports` (split evenly), the host on the first; slides, a poll; the figures."""
    host = Host(ports[0], room, admin)
    time.sleep(1)
    rss_before = [s.rss_mb() for s in servers]
    ready, finish, out = [mp.Event() for _ in range(a.workers)], mp.Event(), mp.Queue()
    per = (len(tokens) + a.workers - 1) // a.workers
    procs = []
    t_connect = time.perf_counter()
    for n in range(a.workers):
        chunk = tokens[n * per:(n + 1) * per]
        p = mp.Process(target=worker, args=(ports[n % len(ports)], room, chunk, a.rate / a.workers, 0.2, ready[n], finish, out))
        p.start(); procs.append(p)
    connected, failures = 0, []
    for _ in range(a.workers):
        msg = out.get(timeout=300)
        connected += msg[1]
        failures += msg[2]
    connect_s = round(time.perf_counter() - t_connect, 1)
    # Upgraded is not yet in the room: wait until the room counts everyone (its head count
    # reaches the host every 2 s in a broadcast).
    while time.perf_counter() - t_connect < 180:
        counts = [m["count"] for m in host.messages[-50:] if m.get("type") == "presence"]
        if counts and counts[-1] >= connected + 1: break
        time.sleep(0.2)
    joined_s = round(time.perf_counter() - t_connect, 1)
    rss_connected = [s.rss_mb() for s in servers]
    time.sleep(5)
    rss_after = [s.rss_mb() for s in servers]
    cpu0 = [s.cpu_s() for s in servers]
    sent = {}
    for page in range(1, a.slides + 1):
        sent[("slide", page)] = host.send({"type": "slide", "page": page})
        time.sleep(2)
    # The poll: opened, answered by a fifth of the viewers over 5 s, closed.
    t_poll = host.send({"type": "poll", "question": "Trường bạn đã dạy trực tuyến bao nhiêu tiết tuần này?", "options": ["0", "1-5", "6-10", "> 10"]})
    time.sleep(8)
    t_close = host.send({"type": "closePoll"})
    time.sleep(4)
    cpu = round(sum(s.cpu_s() for s in servers) - sum(cpu0), 1)
    finish.set()
    results = []
    for _ in range(a.workers):
        while True:
            msg = out.get(timeout=120)
            if msg[0] == "done": results.append(msg[1]); break
    for p in procs: p.join(timeout=30)
    arrivals = [x for r in results for x in r["arrivals"]]
    viewers = sum(r["viewers"] for r in results)
    slide_lat = [t - sent[("slide", k)] for kind, k, t in arrivals if kind == "slide" and ("slide", k) in sent]
    poll_open = [t - t_poll for kind, _, t in arrivals if kind == "poll-open"]
    poll_closed = [t - t_close for kind, _, t in arrivals if kind == "poll-closed"]
    # The count the closed poll showed, against the votes the viewers sent.
    closed_votes = next((m.get("votes") for m in reversed(host.messages) if m.get("type") == "poll" and not m.get("open")), None)
    r = {
        "viewers_connected": connected, "connect_failures": len(failures), "sample_failures": failures[:3], "connect_s": connect_s, "all_in_room_s": joined_s,
        "slides": {"sent": a.slides, "received": len(slide_lat), "expected": a.slides * viewers,
                   "p50_ms": pct(slide_lat, 50), "p99_ms": pct(slide_lat, 99), "max_ms": pct(slide_lat, 100)},
        "per_slide_p50_max_ms": [[pct([t - sent[("slide", k)] for kind, kk, t in arrivals if kind == "slide" and kk == k], q) for q in (50, 100)]
                                 for k in range(1, a.slides + 1)],
        "poll_open": {"received": len(poll_open), "p50_ms": pct(poll_open, 50), "p99_ms": pct(poll_open, 99), "max_ms": pct(poll_open, 100)},
        "poll_closed": {"received": len(poll_closed), "p50_ms": pct(poll_closed, 50), "p99_ms": pct(poll_closed, 99), "max_ms": pct(poll_closed, 100)},
        "votes_sent": sum(r["votes"] for r in results), "votes_counted_in_closed_poll": closed_votes,
        "connections_lost": sum(r["lost"] for r in results),
        "bytes_per_viewer": round(sum(r["bytes"] for r in results) / max(1, viewers)),
        "server_rss_mb_before": rss_before, "server_rss_mb_when_all_joined": rss_connected, "server_rss_mb_with_viewers": rss_after,
        "kb_per_viewer": round((sum(rss_after) - sum(rss_before)) * 1024 / max(1, connected), 1),
        "server_cpu_s_during_messages": cpu,
    }
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build/release/educommons"))
    ap.add_argument("--pg", default="")
    ap.add_argument("--part", default="broadcast", choices=["broadcast", "split", "all"])
    ap.add_argument("--viewers", type=int, default=10000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rate", type=int, default=1000, help="new connections per second, all workers together")
    ap.add_argument("--slides", type=int, default=10)
    ap.add_argument("--malloc-arenas", type=int, default=0, help="MALLOC_ARENA_MAX for the server (glibc); 0: glibc's default")
    a = ap.parse_args()
    report = report_head(a.pg)
    report["viewers"] = a.viewers
    parts = ["broadcast", "split"] if a.part == "all" else [a.part]
    for part in parts:
        if part == "split" and not a.pg:
            print("split needs --pg (two processes share a room through PostgreSQL)"); continue
        data, env = environment("ec-live-", a.pg)
        if a.malloc_arenas:
            env["MALLOC_ARENA_MAX"] = str(a.malloc_arenas)
            report["malloc_arena_max"] = a.malloc_arenas
        log = open(os.path.join(data, "server.log"), "w")
        store = Store(data, a.pg)
        port = free_port()
        first = Server(a.binary, env, port)
        servers = [first]
        try:
            admin, room, tokens = setup(a, a.binary, env, store, port, first, log)
            ports = [port]
            if part == "split":
                second = Server(a.binary, env, free_port())
                second.start(log)
                servers.append(second)
                ports.append(second.port)
            r = run_room(a, ports, room, admin, tokens, servers)
            r["processes"] = len(servers)
            report[part] = r
            print(part, json.dumps(r, ensure_ascii=False), flush=True)
        finally:
            for s in servers: s.stop()
            log.close()
            if os.environ.get("KEEP_DATA") != "1":
                shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
