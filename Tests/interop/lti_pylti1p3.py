#!/usr/bin/env python3
"""LTI 1.3 interoperability check, run by .ci/run against the built binary: starts
`educommons serve --demo` on loopback and a small tool built on `pylti1p3` (the IMS-listed
Python tool library, with its Flask adapter) on another port. The tool's side checks
everything the platform sends; this script plays the browsers.

  - An administrator registers the tool (its key set by URL); the demo teacher places it
    in the demo class course.
  - The demo pupil launches it: the platform's login initiation goes to the tool, the
    tool's OIDC authentication request comes back, the platform posts an RS256 id_token;
    pylti1p3 validates it against the platform's published key set (kid, signature,
    issuer, audience, nonce, deployment) and reads roles, context and the resource link.
  - From the launch the tool sends a score with AGS (its client assertion for a token,
    then the score); the pupil's progress shows it.
  - An id_token altered by one character is refused by the tool; the same launch cannot
    be answered twice by the platform.
  - The teacher runs Deep Linking; the tool's signed response adds an item to the lesson.

  python3 Tests/interop/lti_pylti1p3.py [--binary .build/debug/educommons]"""
import argparse, html, json, os, re, socket, subprocess, sys, tempfile, threading, time, urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PASSWORD = "educommons-demo"


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def hand_over(page):
    """The action and hidden fields of a platform's auto-posting page."""
    m = re.search(r'<form method="post" action="([^"]*)" id="lti-autopost"', page)
    if not m:
        raise AssertionError("no hand-over form in: " + page[:400])
    fields = {html.unescape(k): html.unescape(v) for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)}
    return html.unescape(m.group(1)), fields


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "educommons"))
    a = ap.parse_args()
    try:
        import requests
        from flask import Flask, request as flask_request, jsonify
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.hazmat.primitives import serialization
        from pylti1p3.tool_config import ToolConfDict
        from pylti1p3.contrib.flask import FlaskOIDCLogin, FlaskMessageLaunch, FlaskRequest
        from pylti1p3.grade import Grade
        from pylti1p3.deep_link_resource import DeepLinkResource
        from pylti1p3.lineitem import LineItem
    except ImportError as e:
        print(f"SKIP: {e.name} is not installed (pip install pylti1p3 flask requests); LTI tool-side check not run")
        return 0

    port, tool_port = free_port(), free_port()
    base, tool_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{tool_port}"
    data = tempfile.mkdtemp(prefix="ec-lti-")
    env = dict(os.environ, EDUCOMMONS_DATA=data, EDUCOMMONS_HOME=ROOT, LOG_LEVEL="warning", EDUCOMMONS_PUBLIC_URL=base)
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen([a.binary, "serve", "--demo", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    failures = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    # The tool: its key pair, its configuration (filled in once registered), its routes.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    state = {"conf": None, "last": None}
    tool = Flask("pylti1p3-tool")
    tool.secret_key = os.urandom(16)

    def flask_req():
        return FlaskRequest(request_data=flask_request.values.to_dict(), cookies=flask_request.cookies)

    @tool.route("/jwks")
    def jwks():
        return jsonify(state["conf"].get_jwks())

    @tool.route("/login", methods=["GET", "POST"])
    def login():
        target = flask_request.values.get("target_link_uri")
        return FlaskOIDCLogin(flask_req(), state["conf"]).redirect(target)

    @tool.route("/launch", methods=["POST"])
    def launch():
        try:
            ml = FlaskMessageLaunch(flask_req(), state["conf"])
            d = ml.get_launch_data()
        except Exception as e:  # the tool refuses: say why, as a tool would
            state["last"] = {"refused": str(e)}
            return jsonify(state["last"]), 400
        out = {"sub": d.get("sub"), "roles": d.get("https://purl.imsglobal.org/spec/lti/claim/roles"),
               "context": d.get("https://purl.imsglobal.org/spec/lti/claim/context", {}).get("title"),
               "link": d.get("https://purl.imsglobal.org/spec/lti/claim/resource_link", {}).get("id"),
               "deep": ml.is_deep_link_launch()}
        if ml.is_deep_link_launch():
            res = (DeepLinkResource().set_url(tool_base + "/launch?activity=geo-7").set_title("Hình học – bài 7")
                   .set_custom_params({"activity": "geo-7"}).set_lineitem(LineItem().set_score_maximum(10).set_label("Hình học")))
            state["last"] = out
            return ml.get_deep_link().output_response_form([res])
        if ml.has_ags() and "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner" in (out["roles"] or []):
            g = (Grade().set_score_given(8).set_score_maximum(10).set_timestamp(time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()))
                 .set_activity_progress("Completed").set_grading_progress("FullyGraded").set_user_id(d.get("sub")))
            ml.get_ags().put_grade(g)  # raises on any answer but 2xx
            out["grade_sent"] = True
        state["last"] = out
        return jsonify(out)

    threading.Thread(target=lambda: tool.run(host="127.0.0.1", port=tool_port, use_reloader=False), daemon=True).start()

    def signed_in(user):
        s = requests.Session()
        s.get(base + "/signin")
        csrf = s.cookies.get("ec_csrf")
        r = s.post(base + "/signin", data={"_csrf": csrf, "username": user, "password": PASSWORD, "next": "/"}, allow_redirects=False)
        assert r.status_code == 303, f"sign-in of {user}: {r.status_code}"
        return s

    def bearer(user):
        r = requests.post(base + "/api/v1/auth/token", json={"username": user, "password": PASSWORD})
        return {"Authorization": "Bearer " + r.json()["token"]}

    def browse_launch(s, start_path):
        """The browser's part: platform page -> tool login -> platform authorize -> tool launch."""
        action, fields = hand_over(s.get(base + start_path).text)
        r = s.post(action, data=fields, allow_redirects=False)
        assert r.status_code in (302, 303), f"tool login: {r.status_code} {r.text[:300]}"
        auth = s.get(r.headers["Location"])
        assert auth.status_code == 200, f"authorize: {auth.status_code} {auth.text[:300]}"
        return r.headers["Location"], hand_over(auth.text)

    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1); break
            except Exception:
                time.sleep(0.1)
        admin = bearer("admin")
        reg = requests.post(base + "/api/v1/lti/tools", headers=admin, json={
            "name": "pylti1p3 tool", "loginUrl": tool_base + "/login", "launchUrl": tool_base + "/launch",
            "deepLinkUrl": tool_base + "/launch", "jwksUrl": tool_base + "/jwks"})
        check(reg.status_code == 201, "an administrator registers the tool with its key-set URL")
        t = reg.json()
        conf = ToolConfDict({t["platform"]["issuer"]: [{
            "default": True, "client_id": t["clientId"], "auth_login_url": t["platform"]["authorizationUrl"],
            "auth_token_url": t["platform"]["tokenUrl"], "key_set_url": t["platform"]["jwksUrl"], "key_set": None,
            "deployment_ids": [t["deploymentId"]]}]})
        conf.set_private_key(t["platform"]["issuer"], private_pem, client_id=t["clientId"])
        conf.set_public_key(t["platform"]["issuer"], public_pem, client_id=t["clientId"])
        state["conf"] = conf
        jw = requests.get(base + "/lti/jwks").json()
        check(all(k.get("kid") and k.get("kty") == "RSA" for k in jw["keys"]), "the platform's key set names a kid on every key")

        teacher = bearer("teacher")
        course = next(c for c in requests.get(base + "/api/v1/courses", headers=teacher).json() if c["kind"] == "class")
        detail = requests.get(base + f"/api/v1/courses/{course['id']}", headers=teacher).json()
        lesson = detail["units"][0]["lessons"][0]["id"]
        item = requests.post(base + f"/api/v1/lessons/{lesson}/items", headers=teacher,
                             json={"kind": "lti", "refId": t["id"], "maxPoints": 10, "completion": {"kind": "scored", "threshold": 50}})
        check(item.status_code == 201, "the teacher places the tool in a lesson")
        item = item.json()

        pupil = signed_in("pupil")
        auth_url, (launch_url, fields) = browse_launch(pupil, f"/course-items/{item['id']}/launch")
        check(launch_url == tool_base + "/launch" and "id_token" in fields and "state" in fields,
              "the tool's authentication request is answered with an id_token posted to its launch URL")
        r = pupil.post(launch_url, data=fields)
        out = r.json()
        check(r.status_code == 200 and "refused" not in out, "pylti1p3 validates the launch (signature by kid, iss, aud, nonce, deployment): " + json.dumps(out)[:200])
        check("http://purl.imsglobal.org/vocab/lis/v2/membership#Learner" in (out.get("roles") or []) and (out.get("link") or "").lower() == item["id"].lower(),
              "the launch carries the Learner role and the resource link")
        check(out.get("context") == course["title"], "the launch carries the course as its context")
        progress = requests.get(base + f"/api/v1/courses/{course['id']}/progress", headers=bearer("pupil")).json()
        mine = next((p for p in progress["items"] if p["itemId"] == item["id"]), {})
        check(mine.get("score") == 80 and mine.get("completedAt"), "the score the tool sent over AGS is the pupil's progress (8/10 = 80 %, complete)")

        again = pupil.get(auth_url)
        check(again.status_code == 409, "the same authentication request is not answered twice")
        _, (launch_url, fields) = browse_launch(pupil, f"/course-items/{item['id']}/launch")
        tok = fields["id_token"]
        head, body, sig = tok.split(".")
        fields["id_token"] = ".".join([head, body, ("A" if sig[5] != "A" else "B").join([sig[:5], sig[6:]])])
        r = pupil.post(launch_url, data=fields)
        check(r.status_code == 400 and "refused" in r.json(), "an id_token altered in its signature is refused by the tool")

        teacher_browser = signed_in("teacher")
        _, (launch_url, fields) = browse_launch(teacher_browser, f"/lessons/{lesson}/deep-link?tool={t['id']}")
        form = teacher_browser.post(launch_url, data=fields)
        check(form.status_code == 200 and "lti13_deep_link_auto_submit" in form.text, "pylti1p3 accepts the deep-linking launch and answers its form")
        action = re.search(r'action="([^"]+)"', form.text).group(1)
        jwt = re.search(r'name="JWT" value="([^"]+)"', form.text).group(1)
        back = requests.post(action, data={"JWT": jwt})
        check(back.status_code == 201 and "Hình học – bài 7" in back.text, "the platform takes the tool's signed deep-linking response")
        replay = requests.post(action, data={"JWT": jwt})
        check(replay.status_code in (403, 409), "the same response posted again adds nothing")
        detail = requests.get(base + f"/api/v1/courses/{course['id']}", headers=teacher).json()
        titles = [i["title"] for u in detail["units"] for l in u["lessons"] for i in l["items"]]
        check(titles.count("Hình học – bài 7") == 1, "the lesson holds the tool's item once")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    if failures:
        print(f"{len(failures)} LTI check(s) failed")
        return 1
    print("LTI 1.3 checks passed with pylti1p3")
    return 0


if __name__ == "__main__":
    sys.exit(main())
