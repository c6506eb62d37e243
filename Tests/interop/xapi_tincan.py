#!/usr/bin/env python3
"""xAPI interoperability check, run by .ci/run against the built binary: starts
`educommons serve` on loopback with a fresh data folder, makes a client with
`educommons xapi create-client`, then drives the LRS with Rustici's `tincan` library (a
standard xAPI client): about, one statement and a list saved, read back, queried with
filters and `more` paging, voided, and a broken statement refused with 400.

  python3 Tests/interop/xapi_tincan.py [--binary .build/debug/educommons]"""
import argparse, datetime, json, os, socket, subprocess, sys, tempfile, time, urllib.request, uuid, base64

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "educommons"))
    a = ap.parse_args()
    try:
        from tincan import (RemoteLRS, Statement, Agent, Verb, Activity, ActivityDefinition, LanguageMap, Result, Score,
                            Context, StatementRef)
    except ImportError:
        print("SKIP: the tincan package is not installed (pip install tincan); xAPI client check not run")
        return 0

    data = tempfile.mkdtemp(prefix="ec-xapi-")
    env = dict(os.environ, EDUCOMMONS_DATA=data, EDUCOMMONS_HOME=ROOT, LOG_LEVEL="warning")
    env.pop("DATABASE_URL", None)
    made = subprocess.run([a.binary, "xapi", "create-client", "--name", "tincan check"], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout
    key = next(l.split()[1] for l in made.splitlines() if l.startswith("key:"))
    secret = next(l.split()[1] for l in made.splitlines() if l.startswith("secret:"))
    port = free_port()
    server = subprocess.Popen([a.binary, "serve", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    failures = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1); break
            except Exception:
                time.sleep(0.1)
        lrs = RemoteLRS(endpoint=f"http://127.0.0.1:{port}/xapi/", username=key, password=secret, version="1.0.3")

        about = lrs.about()
        check(about.success and "1.0.3" in about.content.version, "about answers version 1.0.3")

        learner = Agent(name="Nguyễn An", mbox="mailto:an@example.edu.vn")
        verb = Verb(id="http://adlnet.gov/expapi/verbs/completed", display=LanguageMap({"en-US": "completed", "vi": "đã hoàn thành"}))
        lesson = Activity(id="http://example.edu.vn/lessons/bang-nhan-7",
                          definition=ActivityDefinition(name=LanguageMap({"vi": "Bảng nhân 7"}), type="http://adlnet.gov/expapi/activities/lesson"))
        one = Statement(actor=learner, verb=verb, object=lesson,
                        result=Result(score=Score(scaled=0.8, raw=8, min=0, max=10), success=True, completion=True,
                                      duration=datetime.timedelta(minutes=12)),
                        context=Context(registration=uuid.uuid4(), platform="tincan check", language="vi"))
        saved = lrs.save_statement(one)
        check(saved.success, "save_statement stores one statement")
        sid = saved.content.id
        back = lrs.retrieve_statement(sid)
        check(back.success and back.content.result.score.scaled == 0.8 and back.content.verb.display["vi"] == "đã hoàn thành",
              "retrieve_statement reads it back with its result and language map")
        check(back.content.authority is not None and back.content.stored is not None, "the LRS sets stored and authority")

        others = [Statement(actor=Agent(name=f"Pupil {n}", mbox=f"mailto:p{n}@example.edu.vn"),
                            verb=Verb(id="http://adlnet.gov/expapi/verbs/attempted", display=LanguageMap({"en-US": "attempted"})),
                            object=lesson) for n in range(5)]
        many = lrs.save_statements(others)
        check(many.success and len(many.content) == 5, "save_statements stores a list of five")

        query = lrs.query_statements({"verb": Verb(id="http://adlnet.gov/expapi/verbs/attempted"), "limit": 2})
        check(query.success and len(query.content.statements) == 2 and query.content.more, "query_statements pages by two with more")
        seen = len(query.content.statements)
        result = query.content
        while result.more:
            nxt = lrs.more_statements(result)
            if not nxt.success:
                check(False, "more_statements follows the more link"); break
            result = nxt.content
            seen += len(result.statements)
        check(seen == 5, f"following more reaches all five attempted statements ({seen})")
        mine = lrs.query_statements({"agent": learner})
        check(mine.success and len(mine.content.statements) == 1, "query by agent finds the learner's statement")

        void = Statement(actor=Agent(name="Admin", mbox="mailto:admin@example.edu.vn"),
                         verb=Verb(id="http://adlnet.gov/expapi/verbs/voided", display=LanguageMap({"en-US": "voided"})),
                         object=StatementRef(id=sid))
        check(lrs.save_statement(void).success, "a voiding statement is stored")
        check(not lrs.retrieve_statement(sid).success, "the voided statement is gone from retrieve_statement")
        check(lrs.retrieve_voided_statement(sid).success, "retrieve_voided_statement still finds it")

        # A statement that breaks the specification: 400 with the problem named.
        bad = json.dumps({"actor": {"name": "no identifier"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
                          "object": {"id": "http://example.edu.vn/x"}}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{port}/xapi/statements", data=bad, method="POST", headers={
            "Content-Type": "application/json", "X-Experience-API-Version": "1.0.3",
            "Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()})
        try:
            urllib.request.urlopen(req, timeout=5)
            check(False, "a statement without an agent identifier is refused")
        except urllib.error.HTTPError as e:
            check(e.code == 400 and "xapi.agent-no-identifier" in e.read().decode(), "a statement without an agent identifier is refused with 400")
        # Document resources: state (what cmi5's LMS.LaunchData lives in), agent and activity profiles.
        from tincan import StateDocument, AgentProfileDocument, ActivityProfileDocument
        # (tincan's save_state leaves the registration out of its request, so none is used here;
        # the Swift tests cover registrations.)
        saved = lrs.save_state(StateDocument(activity=lesson, agent=learner, id="bookmark",
                                             content=json.dumps({"page": 3}), content_type="application/json"))
        check(saved.success, "save_state stores a state document")
        got = lrs.retrieve_state(lesson, learner, "bookmark")
        check(got.success and json.loads(got.content.content) == {"page": 3}, "retrieve_state reads it back")
        ids = lrs.retrieve_state_ids(lesson, learner)
        check(ids.success and ids.content == ["bookmark"], "retrieve_state_ids lists it")
        check(lrs.delete_state(StateDocument(activity=lesson, agent=learner, id="bookmark")).success
              and lrs.retrieve_state(lesson, learner, "bookmark").response.status == 404, "delete_state removes it (404 after)")
        prof = lrs.save_agent_profile(AgentProfileDocument(agent=learner, id="prefs", content=json.dumps({"language": "vi"}),
                                                           content_type="application/json"))
        back = lrs.retrieve_agent_profile(learner, "prefs")
        # (tincan looks for headers in a list of pairs by name and never finds the ETag; the
        # Swift tests check ETags and preconditions.)
        check(prof.success and back.success and json.loads(back.content.content) == {"language": "vi"},
              "an agent profile is saved and read back")
        act = lrs.save_activity_profile(ActivityProfileDocument(activity=lesson, id="notes", content="plain text", content_type="text/plain"))
        check(act.success and lrs.retrieve_activity_profile(lesson, "notes").content.content == b"plain text",
              "an activity profile keeps non-JSON content as it was sent")

        wrong = RemoteLRS(endpoint=f"http://127.0.0.1:{port}/xapi/", username=key, password="wrong", version="1.0.3")
        check(not wrong.save_statement(one).success, "a wrong secret is refused")
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"{'FAILED' if failures else 'passed'}: {len(failures)} of the checks failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
