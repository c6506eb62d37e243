#!/usr/bin/env python3
"""Writes Resources/openapi.json, the OpenAPI 3.1 document of the JSON API.
The test suite checks that every documented path answers and every API route is
documented, so this file cannot drift from the code unnoticed."""
import json, os

def ref(name): return {"$ref": f"#/components/schemas/{name}"}
def arr(s): return {"type": "array", "items": s}
def page(s): return {"type": "object", "required": ["items"], "properties": {"items": arr(s), "nextCursor": {"type": ["string", "null"]}}}
def body(s, required=True): return {"required": required, "content": {"application/json": {"schema": s}}}
def ok(s, code="200", desc="OK"): return {code: {"description": desc, "content": {"application/json": {"schema": s}}}}
PROBLEM = {"description": "Problem details (RFC 9457)", "content": {"application/problem+json": {"schema": ref("Problem")}}}
def errs(*codes): return {str(c): PROBLEM for c in codes}
def op(summary, responses, params=None, request=None, tags=None, auth=True):
    o = {"summary": summary, "responses": responses}
    if params: o["parameters"] = params
    if request: o["requestBody"] = request
    if tags: o["tags"] = tags
    if not auth: o["security"] = []
    return o
def path_param(name, desc): return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}, "description": desc}
def query(name, desc, typ="string"): return {"name": name, "in": "query", "required": False, "schema": {"type": typ}, "description": desc}
ID = path_param("id", "Identifier")
LIMIT = query("limit", "Page size (1-200, default 50)", "integer")
CURSOR = query("cursor", "Opaque cursor from the previous page's nextCursor")
LT = {"type": "object", "description": "Text per language: keys en, vi, zh-Hans", "additionalProperties": {"type": "string", "maxLength": 200}}

schemas = {
 "Problem": {"type": "object", "required": ["type", "title", "status", "detail", "code"], "properties": {
   "type": {"type": "string", "examples": ["urn:educommons:problem:validation-failed"]}, "title": {"type": "string"},
   "status": {"type": "integer"}, "detail": {"type": "string"}, "code": {"type": "string"}, "instance": {"type": "string"},
   "requestId": {"type": "string"},
   "errors": arr({"type": "object", "required": ["field", "reason", "code"], "properties": {
     "field": {"type": "string"}, "line": {"type": "integer"}, "file": {"type": "string"}, "reason": {"type": "string"}, "code": {"type": "string"}}})}},
 "TokenRequest": {"type": "object", "required": ["username", "password"], "properties": {"username": {"type": "string"}, "password": {"type": "string"}}},
 "Token": {"type": "object", "required": ["token", "expiresAt"], "properties": {"token": {"type": "string"}, "expiresAt": {"type": "string", "format": "date-time"}}},
 "PasswordChange": {"type": "object", "required": ["currentPassword", "newPassword"], "properties": {"currentPassword": {"type": "string"}, "newPassword": {"type": "string", "minLength": 8}}},
 "Role": {"type": "object", "properties": {"role": {"type": "string", "enum": ["administrator", "official", "schoolAdmin", "teacher", "homeroomTeacher", "pupil", "guardian", "providerAdmin", "inspector"]},
   "orgId": {"type": "string", "format": "uuid"}, "orgName": {"type": "string"}, "orgKind": {"type": "string"}}},
 "Person": {"type": "object", "required": ["id", "fullName", "roles"], "properties": {
   "id": {"type": "string", "format": "uuid"}, "fullName": {"type": "string"}, "familyName": {"type": "string"}, "middleName": {"type": "string"},
   "givenName": {"type": "string"}, "birthDate": {"type": ["string", "null"], "format": "date"}, "gender": {"type": "string", "enum": ["female", "male", "other", "unspecified"]},
   "country": {"type": "string"}, "nationalId": {"type": ["string", "null"]}, "email": {"type": ["string", "null"]}, "phone": {"type": ["string", "null"]},
   "address": {"type": ["string", "null"]}, "preferredLanguage": {"type": "string"}, "username": {"type": ["string", "null"]},
   "orgId": {"type": ["string", "null"], "format": "uuid"}, "roles": arr(ref("Role")), "status": {"type": "string"}}},
 "PersonSummary": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "fullName": {"type": "string"},
   "birthDate": {"type": ["string", "null"]}, "roles": arr({"type": "string"})}},
 "Me": {"type": "object", "properties": {"person": ref("Person"), "language": {"type": "string"}}},
 "NewPerson": {"type": "object", "required": ["familyName", "givenName", "orgId", "role"], "properties": {
   "familyName": {"type": "string", "maxLength": 100}, "middleName": {"type": "string", "maxLength": 100}, "givenName": {"type": "string", "maxLength": 100},
   "birthDate": {"type": "string", "format": "date"}, "gender": {"type": "string"}, "country": {"type": "string"},
   "nationalId": {"type": "string", "description": "VN: 12-digit personal ID; CN: G + 18-character ID number"},
   "email": {"type": "string"}, "phone": {"type": "string"}, "address": {"type": "string"}, "preferredLanguage": {"type": "string"},
   "username": {"type": "string"}, "password": {"type": "string"}, "orgId": {"type": "string", "format": "uuid"}, "role": {"type": "string"}}},
 "PersonPatch": {"type": "object", "properties": {k: {"type": "string"} for k in
   ["familyName", "middleName", "givenName", "birthDate", "gender", "email", "phone", "address", "preferredLanguage", "nationalId"]}},
 "Correction": {"type": "object", "required": ["nationalId", "reason"], "properties": {"nationalId": {"type": "string"}, "reason": {"type": "string", "minLength": 5, "maxLength": 500}}},
 "RoleRequest": {"type": "object", "required": ["orgId", "role"], "properties": {"orgId": {"type": "string", "format": "uuid"}, "role": {"type": "string"}}},
 "GuardianRequest": {"type": "object", "required": ["guardianId", "relationship"], "properties": {"guardianId": {"type": "string", "format": "uuid"}, "relationship": {"type": "string", "enum": ["mother", "father", "guardian", "other"]}}},
 "GuardianLink": {"type": "object", "properties": {"guardianId": {"type": "string", "format": "uuid"}, "guardianName": {"type": "string"},
   "pupilId": {"type": "string", "format": "uuid"}, "pupilName": {"type": "string"}, "relationship": {"type": "string"}}},
 "ConsentInput": {"type": "object", "required": ["purpose", "grantedById"], "properties": {
   "purpose": {"type": "string", "enum": ["contact-details", "publish-results", "photos-recordings", "family-messages"]},
   "grantedById": {"type": "string", "format": "uuid"}, "childAgreed": {"type": "boolean"}, "policyVersion": {"type": "string"}}},
 "Consent": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "subjectId": {"type": "string", "format": "uuid"},
   "purpose": {"type": "string"}, "grantedById": {"type": "string", "format": "uuid"}, "grantedByRelationship": {"type": "string"},
   "childAgreed": {"type": "boolean"}, "policyVersion": {"type": "string"}, "grantedAt": {"type": "string", "format": "date-time"},
   "withdrawnAt": {"type": ["string", "null"], "format": "date-time"}, "active": {"type": "boolean"}}},
 "Org": {"type": "object", "required": ["id", "kind", "path", "name"], "properties": {"id": {"type": "string", "format": "uuid"},
   "kind": {"type": "string", "enum": ["nation", "province", "district", "school", "class", "university", "provider", "department", "other"]},
   "code": {"type": "string"}, "parentId": {"type": ["string", "null"], "format": "uuid"}, "path": {"type": "string"}, "name": LT,
   "displayName": {"type": "string"}, "country": {"type": "string"}, "timeZone": {"type": "string"}, "status": {"type": "string"}}},
 "NewOrg": {"type": "object", "required": ["kind", "code", "name"], "properties": {"kind": {"type": "string"}, "code": {"type": "string", "pattern": "^[A-Za-z0-9.-]{1,40}$"},
   "parentId": {"type": "string", "format": "uuid"}, "name": LT, "country": {"type": "string"}, "timeZone": {"type": "string"}}},
 "Rename": {"type": "object", "required": ["name"], "properties": {"name": LT}},
 "Move": {"type": "object", "required": ["parentId"], "properties": {"parentId": {"type": "string", "format": "uuid"}}},
 "OrgMove": {"type": "object", "properties": {"fromPath": {"type": "string"}, "toPath": {"type": "string"}, "movedAt": {"type": "string", "format": "date-time"}}},
 "AuditEvent": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "at": {"type": "string", "format": "date-time"},
   "actorId": {"type": ["string", "null"]}, "actorName": {"type": "string"}, "actingAs": {"type": "string"}, "action": {"type": "string"},
   "entityType": {"type": "string"}, "entityId": {"type": ["string", "null"]}, "orgPath": {"type": "string"},
   "changes": arr({"type": "object", "properties": {"field": {"type": "string"}, "before": {"type": ["string", "null"]}, "after": {"type": ["string", "null"]}}}),
   "ip": {"type": ["string", "null"]}, "requestId": {"type": ["string", "null"]}}},
 "ImportReport": {"type": "object", "properties": {"dryRun": {"type": "boolean"},
   "created": {"type": "object", "additionalProperties": {"type": "integer"}}, "updated": {"type": "object", "additionalProperties": {"type": "integer"}},
   "unchanged": {"type": "object", "additionalProperties": {"type": "integer"}}, "deactivated": {"type": "object", "additionalProperties": {"type": "integer"}},
   "warnings": arr({"type": "object"})}},
}

P = "/api/v1"
paths = {
 f"{P}/auth/token": {
   "post": op("Sign in: exchange username and password for a bearer token", {**ok(ref("Token"), "201", "Token issued"), **errs(400, 401, 422, 429)}, request=body(ref("TokenRequest")), tags=["auth"], auth=False),
   "delete": op("Revoke the token used for this request (sign out)", {"204": {"description": "Revoked"}, **errs(401)}, tags=["auth"])},
 f"{P}/auth/password": {"post": op("Change the caller's password; other tokens are revoked", {"204": {"description": "Changed"}, **errs(400, 401, 422)}, request=body(ref("PasswordChange")), tags=["auth"])},
 f"{P}/me": {"get": op("The caller and their roles", {**ok(ref("Me")), **errs(401)}, tags=["auth"])},
 f"{P}/openapi.json": {"get": op("This document", {"200": {"description": "OpenAPI 3.1 document", "content": {"application/json": {}}}}, tags=["meta"], auth=False)},
 f"{P}/people": {
   "get": op("Search the people the caller may see (name matching ignores Vietnamese diacritics)", {**ok(page(ref("PersonSummary"))), **errs(401, 404, 422)},
             params=[query("q", "Name, with or without diacritics"), query("orgId", "Only people in this organisation's subtree"), query("role", "Only people with this role"), LIMIT, CURSOR], tags=["people"]),
   "post": op("Create a person with a first role (and an account when username is given)", {**ok(ref("Person"), "201", "Created"), **errs(400, 401, 403, 409, 422)}, request=body(ref("NewPerson")), tags=["people"])},
 f"{P}/people/{{id}}": {
   "get": op("One person (404 when the caller may not see them)", {**ok(ref("Person")), **errs(401, 404)}, params=[ID], tags=["people"]),
   "patch": op("Edit a person; a set national ID is changed only by a correction", {**ok(ref("Person")), **errs(400, 401, 403, 404, 409, 422)}, params=[ID], request=body(ref("PersonPatch")), tags=["people"])},
 f"{P}/people/{{id}}/national-id-corrections": {"post": op("Correct a wrong national ID, with a reason (audited)", {**ok(ref("Person")), **errs(400, 401, 403, 404, 409, 422)}, params=[ID], request=body(ref("Correction")), tags=["people"])},
 f"{P}/people/{{id}}/roles": {"post": op("Give a role at an organisation", {**ok(ref("Person")), **errs(400, 401, 403, 404, 422)}, params=[ID], request=body(ref("RoleRequest")), tags=["people"])},
 f"{P}/people/{{id}}/roles/{{orgId}}/{{role}}": {"delete": op("Take a role away", {**ok(ref("Person")), **errs(401, 403, 404)},
   params=[ID, path_param("orgId", "Organisation"), {"name": "role", "in": "path", "required": True, "schema": {"type": "string"}}], tags=["people"])},
 f"{P}/people/{{id}}/guardians": {
   "get": op("Guardians of a pupil, or wards of a guardian", {**ok(arr(ref("GuardianLink"))), **errs(401, 404)}, params=[ID], tags=["people"]),
   "post": op("Link a guardian to this pupil", {**ok(ref("GuardianLink"), "201", "Linked"), **errs(400, 401, 403, 404, 422)}, params=[ID], request=body(ref("GuardianRequest")), tags=["people"])},
 f"{P}/people/{{id}}/consents": {
   "get": op("Consent records of a person", {**ok(arr(ref("Consent"))), **errs(401, 404)}, params=[ID], tags=["consent"]),
   "post": op("Record consent (a guardian's for a child)", {**ok(ref("Consent"), "201", "Recorded"), **errs(400, 401, 403, 404, 422)}, params=[ID], request=body(ref("ConsentInput")), tags=["consent"])},
 f"{P}/people/{{id}}/consents/{{consentId}}/withdraw": {"post": op("Withdraw consent; the processing it covered stops (contact details are erased)", {**ok(ref("Consent")), **errs(401, 403, 404)},
   params=[ID, path_param("consentId", "Consent")], tags=["consent"])},
 f"{P}/orgs": {
   "get": op("Search organisations by name, or list the caller's top organisations", {**ok(page(ref("Org"))), **errs(401, 422)}, params=[query("q", "Name, with or without diacritics"), LIMIT], tags=["orgs"]),
   "post": op("Create an organisation", {**ok(ref("Org"), "201", "Created"), **errs(400, 401, 403, 404, 409, 422)}, request=body(ref("NewOrg")), tags=["orgs"])},
 f"{P}/orgs/{{id}}": {
   "get": op("One organisation", {**ok(ref("Org")), **errs(401, 404)}, params=[ID], tags=["orgs"]),
   "patch": op("Rename an organisation", {**ok(ref("Org")), **errs(400, 401, 403, 404, 422)}, params=[ID], request=body(ref("Rename")), tags=["orgs"])},
 f"{P}/orgs/{{id}}/children": {"get": op("Organisations directly inside this one", {**ok(page(ref("Org"))), **errs(401, 404)}, params=[ID], tags=["orgs"])},
 f"{P}/orgs/{{id}}/move": {"post": op("Move an organisation (e.g. a school to another district); history is kept", {**ok(ref("Org")), **errs(400, 401, 403, 404, 409, 422)}, params=[ID], request=body(ref("Move")), tags=["orgs"])},
 f"{P}/orgs/{{id}}/moves": {"get": op("Earlier places of this organisation in the tree", {**ok(arr(ref("OrgMove"))), **errs(401, 404)}, params=[ID], tags=["orgs"])},
 f"{P}/audit-events": {"get": op("Audit events within the caller's scope, newest first", {**ok(page(ref("AuditEvent"))), **errs(401, 403, 404, 422)},
   params=[query("orgId", "Only this organisation's subtree"), query("entityId", "Only events about this person or organisation"), LIMIT, CURSOR], tags=["audit"])},
 f"{P}/imports/oneroster": {"post": op("Import a OneRoster 1.2 CSV set (all or nothing; the same files twice change nothing)",
   {**ok(ref("ImportReport"), "201", "Imported"), **ok(ref("ImportReport"), "200", "Dry run: checked, nothing written"), **errs(400, 401, 403, 422)},
   params=[query("dryRun", "Check only", "boolean"), query("into", "Organisation that new top-level organisations go under")],
   request={"required": True, "content": {"multipart/form-data": {"schema": {"type": "object", "properties": {"files[]": arr({"type": "string", "format": "binary"})}}}}},
   tags=["import"])},
}

doc = {
 "openapi": "3.1.0",
 "info": {"title": "EduCommons API", "version": "1.0.0",
          "description": "JSON API of EduCommons. Errors are RFC 9457 problem details. Send Accept-Language (en, vi, zh-Hans) for localised messages."},
 "servers": [{"url": "/"}],
 "security": [{"bearer": []}],
 "paths": paths,
 "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Resources", "openapi.json")
with open(out, "w", encoding="utf-8") as f:
    json.dump(doc, f, ensure_ascii=False, indent=1)
    f.write("\n")
