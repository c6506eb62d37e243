#!/usr/bin/env python3
"""OAI-PMH interoperability check, run by .ci/run against the built binary:
starts `educommons serve --demo` on loopback with a fresh data folder, imports a small
generated corpus published nationally, then
  1. validates every kind of response (each verb, a resumption chain, each error code)
     against the OAI-PMH 2.0 and oai_dc schemas in ../shared/fixtures/oai-pmh/schemas;
  2. harvests everything with Sickle, a standard harvester, and checks the count.
Skips with a message when ../shared/fixtures is absent. Needs `xmlschema` and `sickle`.

  python3 Tests/interop/oai_harvest.py [--binary .build/debug/educommons]"""
import argparse, os, socket, subprocess, sys, tempfile, time, urllib.parse, urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCHEMAS = os.path.abspath(os.path.join(ROOT, "..", "shared", "fixtures", "oai-pmh", "schemas"))
SAMPLES = os.path.abspath(os.path.join(SCHEMAS, "..", "sample-responses"))


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "educommons"))
    ap.add_argument("--count", type=int, default=260)
    a = ap.parse_args()
    if not os.path.isdir(SCHEMAS):
        print("SKIP: ../shared/fixtures/oai-pmh/schemas is absent; OAI-PMH schema check not run")
        return 0
    import xmlschema
    from sickle import Sickle

    xml_xsd = os.path.join(SCHEMAS, "xml.xsd")
    local = {"http://www.w3.org/2001/03/xml.xsd": xml_xsd, "http://www.w3.org/2001/xml.xsd": xml_xsd,
             "http://www.openarchives.org/OAI/2.0/oai_dc.xsd": os.path.join(SCHEMAS, "oai_dc.xsd"),
             "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd": os.path.join(SCHEMAS, "oai-identifier.xsd")}
    schema = xmlschema.XMLSchema(os.path.join(SCHEMAS, "OAI-PMH.xsd"), uri_mapper=lambda u: local.get(u, u),
                                 locations={"http://www.openarchives.org/OAI/2.0/oai_dc/": os.path.join(SCHEMAS, "oai_dc.xsd"),
                                            "http://www.openarchives.org/OAI/2.0/oai-identifier": os.path.join(SCHEMAS, "oai-identifier.xsd")})

    # The validator itself must tell valid from invalid, or this check could never fail.
    with open(os.path.join(SAMPLES, "GetRecord.xml"), encoding="utf-8") as f:
        assert schema.is_valid(f.read()), "schema set-up rejects a valid sample"
    with open(os.path.join(SAMPLES, "ListRecords4.xml"), encoding="utf-8") as f:
        assert not schema.is_valid(f.read()), "schema set-up accepts an invalid sample"

    data = tempfile.mkdtemp(prefix="ec-oai-")
    corpus = os.path.join(data, "corpus")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_library.py"), corpus, "--count", str(a.count), "--per-file", "100"], check=True)
    env = dict(os.environ, EDUCOMMONS_DATA=data, EDUCOMMONS_HOME=ROOT, LOG_LEVEL="warning")
    env.pop("DATABASE_URL", None)
    port = free_port()
    server = subprocess.Popen([a.binary, "serve", "--demo", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    failures = []
    try:
        base = f"http://127.0.0.1:{port}/oai"
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1); break
            except OSError:
                if server.poll() is not None:
                    print(server.stderr.read().decode()); return 1
                time.sleep(0.1)
        subprocess.run([a.binary, "library", "import", corpus, "--org", "/vn/19/", "--publish", "/vn/"], env=env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)

        def fetch(query):
            with urllib.request.urlopen(base + "?" + query, timeout=30) as r:
                return r.read()

        def check(label, body, expect_error=None):
            errors = list(schema.iter_errors(body.decode("utf-8")))
            if errors:
                failures.append(f"{label}: not valid: {errors[0].reason} at {errors[0].path}")
            has = f'<error code="{expect_error}"'.encode() in body if expect_error else b"<error " not in body
            if not has:
                failures.append(f"{label}: expected {'error ' + expect_error if expect_error else 'no error'}: {body[:300]!r}")

        first = fetch("verb=ListIdentifiers&metadataPrefix=oai_dc")
        identifier = first.split(b"<identifier>")[1].split(b"<")[0].decode()
        for q in ["verb=Identify", "verb=ListMetadataFormats", f"verb=ListMetadataFormats&identifier={identifier}", "verb=ListSets",
                  f"verb=GetRecord&metadataPrefix=oai_dc&identifier={identifier}", "verb=ListIdentifiers&metadataPrefix=oai_dc",
                  "verb=ListRecords&metadataPrefix=oai_dc", "verb=ListRecords&metadataPrefix=oai_dc&set=subject:math",
                  "verb=ListRecords&metadataPrefix=oai_dc&from=2000-01-01&until=2099-12-31"]:
            check(q, fetch(q))
        # A whole resumption chain, every page valid.
        body, pages = fetch("verb=ListRecords&metadataPrefix=oai_dc"), 0
        while pages < 100:  # bounded: a token that never ends fails below instead of hanging CI
            pages += 1
            check(f"ListRecords page {pages}", body)
            token = body.split(b"<resumptionToken", 1)[1].split(b">", 1)[1].split(b"<", 1)[0] if b"<resumptionToken" in body else b""
            if not token:
                break
            body = fetch("verb=ListRecords&resumptionToken=" + urllib.parse.quote(token.decode()))
        for q, code in [("verb=Nope", "badVerb"), ("verb=ListRecords", "badArgument"), ("verb=Identify&x=1", "badArgument"),
                        ("verb=ListRecords&metadataPrefix=marc", "cannotDisseminateFormat"),
                        ("verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:x:y", "idDoesNotExist"),
                        ("verb=ListRecords&resumptionToken=zzz", "badResumptionToken"),
                        ("verb=ListRecords&metadataPrefix=oai_dc&until=1990-01-01", "noRecordsMatch")]:
            check(q, fetch(q), expect_error=code)

        if pages >= 100:
            failures.append("the resumption chain did not end within 100 pages")
        harvested = sum(1 for _ in Sickle(base).ListRecords(metadataPrefix="oai_dc", ignore_deleted=True))
        identifiers = sum(1 for _ in Sickle(base).ListIdentifiers(metadataPrefix="oai_dc"))
        sets = sum(1 for _ in Sickle(base).ListSets())
        if harvested < a.count or identifiers != harvested:
            failures.append(f"Sickle harvested {harvested} records and {identifiers} identifiers, expected at least {a.count}")
        print(f"OAI-PMH: {pages} pages valid against the schemas; Sickle harvested {harvested} records, {identifiers} identifiers, {sets} sets")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    for f in failures:
        print("FAIL:", f)
    print(f"{0 if failures else 1} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
