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
 "Role": {"type": "object", "properties": {"role": {"type": "string", "enum": ["administrator", "official", "schoolAdmin", "teacher", "homeroomTeacher", "pupil", "guardian", "providerAdmin", "inspector", "curator"]},
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

 # library
 "NewResource": {"type": "object", "required": ["kind", "title", "language", "licence"], "properties": {
   "kind": {"type": "string", "enum": ["document", "video", "audio", "image", "ebook", "simulation", "package", "link", "tvLesson"]},
   "title": LT, "description": LT, "language": {"type": "string", "description": "BCP 47 tag from Resources/Rules/library.json (vi, en, zh-Hans, ...)"},
   "licence": {"type": "string", "enum": ["CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", "CC-BY-ND-4.0", "CC-BY-NC-ND-4.0", "CC0-1.0", "public-domain", "all-rights-reserved"]},
   "subjects": arr({"type": "string"}), "grades": arr({"type": "string"}), "keywords": arr({"type": "string", "maxLength": 80}),
   "authors": arr({"type": "string"}), "alignments": arr({"type": "string", "format": "uuid"}), "orgId": {"type": "string", "format": "uuid"},
   "url": {"type": "string", "format": "uri", "description": "links only"}, "broadcastDate": {"type": "string", "format": "date", "description": "TV lessons only"},
   "broadcastChannel": {"type": "string"}, "sourceId": {"type": "string", "description": "Stable id in a source repository; importing it again is refused"},
   "uploadId": {"type": "string", "format": "uuid", "description": "A finished tus upload holding the file (JSON requests)"}}},
 "ResourcePatch": {"type": "object", "description": "Any NewResource field except kind, orgId and sourceId"},
 "Bank": {"type": "object", "required": ["id", "name", "itemCount"], "properties": {"id": {"type": "string", "format": "uuid"}, "name": {"type": "string"},
   "itemCount": {"type": "integer"}, "createdAt": {"type": "string", "format": "date-time"}}},
 "ItemSummary": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"},
   "type": {"type": "string", "enum": ["singleChoice", "multipleResponse", "trueFalse", "shortAnswer", "numeric", "cloze", "matching", "ordering", "essay"]},
   "name": {"type": "string"}, "category": {"type": "string"}, "version": {"type": "integer"}}},
 "FormatProblem": {"type": "object", "properties": {"line": {"type": ["integer", "null"]}, "item": {"type": ["string", "null"]},
   "reason": {"type": "string", "description": "e.g. gift.brace-unclosed, moodlexml.fraction-not-allowed, aiken.no-answer-line"}, "detail": {"type": "string"}, "message": {"type": "string", "description": "The reason in the reader's language"}}},
 "ItemContent": {"type": "object", "required": ["type", "name", "stem"], "description": "One question of any type; the parts a type does not use are left out",
   "properties": {"type": {"type": "string"}, "name": {"type": "string"}, "stem": {"type": "object", "properties": {"text": {"type": "string"}, "format": {"type": "string", "enum": ["plain", "html", "markdown", "moodle"]}}},
   "choices": {"type": "array"}, "correct": {"type": "boolean"}, "answers": {"type": "array"}, "numeric": {"type": "array"}, "units": {"type": "array"},
   "pairs": {"type": "array"}, "sequence": {"type": "array"}, "gaps": {"type": "array"}, "generalFeedback": {"type": "object"}, "category": {"type": "string"}, "tags": {"type": "array"},
   "level": {"type": "string", "enum": ["recognition", "comprehension", "application", "highApplication"], "description": "For exam matrices; when absent read from a tag (NB, TH, VD, VDC, …) or the category's last part"},
   "difficulty": {"type": "number", "minimum": 0, "maximum": 1}}},
 "Item": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "bankId": {"type": "string", "format": "uuid"}, "version": {"type": "integer"}, "content": ref("ItemContent")}},
 "Exam": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "title": {"type": "string"}, "orgId": {"type": "string", "format": "uuid"},
   "opensAt": {"type": "string", "format": "date-time"}, "closesAt": {"type": "string", "format": "date-time"}, "durationMinutes": {"type": "integer"},
   "maxAttempts": {"type": "integer"}, "questions": {"type": "integer"}, "maxScore": {"type": "number"},
   "purpose": {"type": "string", "enum": ["practice", "continuous", "midterm", "endOfTerm"]}, "lateStartMinutes": {"type": ["integer", "null"]},
   "results": {"type": "string", "enum": ["atSubmit", "manual"]}, "resultsReleased": {"type": "boolean"}, "needsAccessCode": {"type": "boolean"},
   "accessCode": {"type": ["string", "null"], "description": "Only for the exam's owner"}, "owned": {"type": "boolean", "description": "The caller made this exam"}, "matrix": arr(ref("MatrixCell"))}},
 "MatrixCell": {"type": "object", "required": ["count"], "description": "How many questions of a topic (category prefix) at a cognitive level each attempt draws",
   "properties": {"topic": {"type": "string"}, "level": {"type": "string", "enum": ["recognition", "comprehension", "application", "highApplication"]},
     "count": {"type": "integer"}, "points": {"type": "number"}}},
 "SubmitResult": {"type": "object", "properties": {"attemptId": {"type": "string"}, "submittedAt": {"type": "string", "format": "date-time"},
   "score": {"type": ["number", "null"], "description": "Absent until results are released"}, "resultsReleased": {"type": "boolean"},
   "maxScore": {"type": "number"}, "waitingForGrader": {"type": "integer"}}},
 "Attempt": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "examId": {"type": "string", "format": "uuid"}, "number": {"type": "integer"},
   "startedAt": {"type": "string", "format": "date-time"}, "deadline": {"type": "string", "format": "date-time"}, "submitted": {"type": "boolean"},
   "questions": {"type": "array", "description": "Questions without keys or feedback"}, "answers": {"type": "array"}}},
 "ItemImportReport": {"type": "object", "properties": {"imported": {"type": "integer"}, "duplicates": arr({"type": "string"}),
   "skipped": arr(ref("FormatProblem"))}},
 "Version": {"type": "object", "properties": {"number": {"type": "integer"}, "sha256": {"type": "string"}, "size": {"type": "integer"},
   "mediaType": {"type": "string"}, "fileKind": {"type": "string"}, "filename": {"type": "string"}, "note": {"type": "string"},
   "entry": {"type": ["string", "null"]}, "packageType": {"type": ["string", "null"], "enum": ["html5", "scorm12", "cmi5", None]},
   "createdAt": {"type": "string", "format": "date-time"}, "renditions": arr({"type": "object", "properties": {"label": {"type": "string", "description": "360p, 720p or poster"}, "size": {"type": "integer"}, "mediaType": {"type": "string"}}}),
   "processing": {"type": ["string", "null"], "enum": ["queued", "running", "done", "failed", None], "description": "Videos: where the renditions stand"},
   "processingError": {"type": ["string", "null"], "enum": ["ffmpeg-missing", "storage-not-local", "unreadable-video", "transcode-failed", "timeout", None]}}},
 "Resource": {"type": "object", "required": ["id", "kind", "status", "title"], "properties": {
   "id": {"type": "string", "format": "uuid"}, "kind": {"type": "string"},
   "status": {"type": "string", "enum": ["draft", "submitted", "inReview", "changesRequested", "published", "withdrawn"]},
   "title": LT, "description": LT, "displayTitle": {"type": "string"}, "displayDescription": {"type": "string"}, "language": {"type": "string"},
   "licence": {"type": "string"}, "licenceURL": {"type": ["string", "null"]}, "subjects": arr({"type": "string"}), "grades": arr({"type": "string"}),
   "keywords": arr({"type": "string"}), "authors": arr({"type": "string"}),
   "alignments": arr({"type": "object", "properties": {"nodeId": {"type": "string"}, "frameworkCode": {"type": "string"}, "path": {"type": "string"}, "name": {"type": "string"}}}),
   "orgId": {"type": "string", "format": "uuid"}, "ownerId": {"type": ["string", "null"]},
   "scope": {"type": ["object", "null"], "properties": {"orgId": {"type": "string"}, "level": {"type": "string", "enum": ["school", "district", "province", "nation"]}, "path": {"type": "string"}}},
   "latestVersion": {"type": "integer"}, "publishedVersion": {"type": ["integer", "null"]}, "versions": arr(ref("Version")),
   "url": {"type": ["string", "null"]}, "broadcastDate": {"type": ["string", "null"]}, "broadcastChannel": {"type": ["string", "null"]},
   "ratingAverage": {"type": ["number", "null"]}, "ratingCount": {"type": "integer"}, "usageCount": {"type": "integer"},
   "createdAt": {"type": "string", "format": "date-time"}, "updatedAt": {"type": "string", "format": "date-time"}, "publishedAt": {"type": ["string", "null"], "format": "date-time"},
   "can": {"type": "object", "description": "What the caller may do now", "properties": {k: {"type": "boolean"} for k in ["edit", "submit", "review", "withdraw", "rate", "reprocess"]}}}},
 "ResourceSummary": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "kind": {"type": "string"}, "status": {"type": "string"},
   "displayTitle": {"type": "string"}, "displayDescription": {"type": "string"}, "language": {"type": "string"}, "licence": {"type": "string"},
   "subjects": arr({"type": "string"}), "grades": arr({"type": "string"}), "scopeLevel": {"type": ["string", "null"]},
   "ratingAverage": {"type": ["number", "null"]}, "ratingCount": {"type": "integer"}, "usageCount": {"type": "integer"}, "size": {"type": ["integer", "null"]},
   "publishedAt": {"type": ["string", "null"]}, "updatedAt": {"type": ["string", "null"]}}},
 "SearchResults": {"type": "object", "properties": {"query": {"type": "string"}, "total": {"type": "integer"},
   "totalIsLowerBound": {"type": "boolean", "description": "More matched than the 1,000 newest that were ranked: the total is at least this"},
   "facetsFromNewest": {"type": ["integer", "null"], "description": "When set, ranking and facet counts cover only this many newest matches"}, "page": {"type": "integer"}, "pageSize": {"type": "integer"},
   "items": arr(ref("ResourceSummary")),
   "facets": {"type": "object", "description": "subject, grade, type, language, licence, scope", "additionalProperties": arr({"type": "object", "properties": {
     "value": {"type": "string"}, "label": {"type": "string"}, "count": {"type": "integer"}}})}}},
 "ReviewEvent": {"type": "object", "properties": {"action": {"type": "string", "enum": ["submitted", "claimed", "commented", "changesRequested", "approved", "withdrawn"]},
   "actorName": {"type": "string"}, "comment": {"type": "string"}, "version": {"type": "integer"}, "at": {"type": "string", "format": "date-time"}}},
 "Comment": {"type": "object", "properties": {"comment": {"type": "string", "maxLength": 4000}}},
 "Curriculum": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "code": {"type": "string"}, "country": {"type": "string"},
   "name": LT, "displayName": {"type": "string"}, "lessons": {"type": "integer"}}},
 "CurriculumNode": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "kind": {"type": "string", "enum": ["subject", "grade", "series", "edition", "unit", "lesson"]},
   "code": {"type": "string"}, "path": {"type": "string"}, "name": {"type": "string"}, "subject": {"type": "string"}, "grade": {"type": "string"}}},
 "Coverage": {"type": "object", "properties": {"curriculum": ref("Curriculum"), "scopeOrgId": {"type": "string", "format": "uuid"},
   "lessons": {"type": "integer"}, "covered": {"type": "integer"}, "share": {"type": "number"},
   "rows": arr({"type": "object", "properties": {"subject": {"type": "string"}, "subjectName": {"type": "string"}, "grade": {"type": "string"},
     "gradeName": {"type": "string"}, "lessons": {"type": "integer"}, "covered": {"type": "integer"}, "share": {"type": "number"}}})}},
}

P = "/api/v1"
MULTIPART_RESOURCE = {"required": True, "content": {
  "multipart/form-data": {"schema": {"type": "object", "required": ["metadata", "file"], "properties": {
    "metadata": {"type": "string", "description": "NewResource as JSON"}, "file": {"type": "string", "format": "binary"}}}},
  "application/json": {"schema": ref("NewResource")}}}
RID = path_param("id", "Resource")
def lib_step(summary, req=None, code="200"):
    return {"post": op(summary, {**ok(ref("Resource"), code), **errs(400, 401, 403, 404, 409, 422)}, params=[RID], request=req, tags=["library"])}
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
 f"{P}/resources": {
   "post": op("Create a draft resource: multipart (metadata JSON + file, streamed; the type is read from the content) or JSON alone for a link",
              {**ok(ref("Resource"), "201", "Created"), **errs(400, 401, 403, 404, 409, 422)}, request=MULTIPART_RESOURCE, tags=["library"]),
   "get": op("The caller's own resources, newest change first", {**ok(page(ref("ResourceSummary"))), **errs(401, 422)}, params=[LIMIT, CURSOR], tags=["library"])},
 f"{P}/review-queue": {"get": op("Submissions waiting for the caller's review", {**ok(page(ref("ResourceSummary"))), **errs(401, 403, 422)}, params=[LIMIT, CURSOR], tags=["library"])},
 f"{P}/resources/{{id}}": {
   "get": op("A resource's metadata (published national resources without signing in)", {**ok(ref("Resource")), **errs(404)}, params=[RID], tags=["library"], auth=False),
   "patch": op("Edit metadata (not while under review)", {**ok(ref("Resource")), **errs(400, 401, 403, 404, 409, 422)}, params=[RID], request=body(ref("ResourcePatch")), tags=["library"])},
 f"{P}/resources/{{id}}/versions": {"post": op("Upload a new file as the next version; the published version stays until the new one is approved",
   {**ok(ref("Resource"), "201", "Created"), **errs(400, 401, 403, 404, 409, 422)}, params=[RID],
   request={"required": True, "content": {"multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}, "note": {"type": "string"}}}}}}, tags=["library"])},
 f"{P}/resources/{{id}}/versions/{{version}}/transcode": {"post": op("Prepare a video version's 360p/720p renditions and poster again (after a failure, or once ffmpeg is installed); editors and curators",
   {**ok(ref("Resource"), "202", "Queued"), **errs(401, 403, 404, 409)},
   params=[RID, {"name": "version", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}, "description": "Version number"}], tags=["library"])},
 f"{P}/resources/{{id}}/history": {"get": op("Review history", {**ok(arr(ref("ReviewEvent"))), **errs(401, 404)}, params=[RID], tags=["library"])},
 f"{P}/resources/{{id}}/submit": lib_step("Ask curators at an organisation (own or above) to publish the latest version",
   body({"type": "object", "required": ["scopeOrgId"], "properties": {"scopeOrgId": {"type": "string", "format": "uuid"}, "comment": {"type": "string"}}})),
 f"{P}/resources/{{id}}/claim": lib_step("Curator: take a submission into review"),
 f"{P}/resources/{{id}}/request-changes": lib_step("Curator: send back to the author with a comment", body(ref("Comment"))),
 f"{P}/resources/{{id}}/approve": lib_step("Curator: publish at the requested scope", body(ref("Comment"), False)),
 f"{P}/resources/{{id}}/withdraw": lib_step("Take out of circulation (author, manager or curator)", body({"type": "object", "properties": {"reason": {"type": "string"}}}, False)),
 f"{P}/resources/{{id}}/rating": lib_step("Rate 1-5 stars (teachers; again replaces)", body({"type": "object", "required": ["stars"], "properties": {"stars": {"type": "integer", "minimum": 1, "maximum": 5}}})),
 f"{P}/resources/{{id}}/usages": lib_step("Record use in a course (once per teacher and course)", body({"type": "object", "required": ["courseRef"], "properties": {"courseRef": {"type": "string"}}}), "201"),
 f"{P}/resources/{{id}}/comments": {"post": op("Comment on a submission", {**ok(arr(ref("ReviewEvent")), "201", "Added"), **errs(400, 401, 403, 404, 422)}, params=[RID], request=body(ref("Comment")), tags=["library"])},
 f"{P}/resources/{{id}}/content": {
   "get": op("The file: single byte ranges, ETag (SHA-256), caching by visibility", {
     "200": {"description": "The file", "content": {"*/*": {}}}, "206": {"description": "A byte range"}, "304": {"description": "Not modified"},
     "416": {"description": "Range not satisfiable"}, **errs(404, 422)},
     params=[RID, query("version", "A version number (default: the one the caller sees)", "integer"), query("rendition", "360p, 720p or poster"),
             query("download", "Send as an attachment")], tags=["library"], auth=False),
   "head": op("Headers of the file", {"200": {"description": "Headers only"}, **errs(404, 422)}, params=[RID], tags=["library"], auth=False)},
 f"{P}/resources/{{id}}/package/{{version}}/{{path}}": {"get": op("One file inside an HTML5 or SCORM package, served with a sandboxing CSP",
   {"200": {"description": "The file", "content": {"*/*": {}}}, **errs(404)},
   params=[RID, {"name": "version", "in": "path", "required": True, "schema": {"type": "integer"}}, {"name": "path", "in": "path", "required": True, "schema": {"type": "string"}}],
   tags=["library"], auth=False)},
 f"{P}/uploads": {
   "options": op("tus 1.0: the protocol version, extensions (creation, termination) and the largest upload", {"204": {"description": "Capabilities in headers"}}, tags=["uploads"]),
   "post": op("tus creation: announce an upload (headers Tus-Resumable: 1.0.0, Upload-Length, Upload-Metadata); answers its Location",
              {"201": {"description": "Created; Location holds the upload's URL"}, **errs(401, 403, 412, 422)},
              params=[{"name": "Upload-Length", "in": "header", "required": True, "schema": {"type": "integer"}},
                      {"name": "Upload-Metadata", "in": "header", "required": False, "schema": {"type": "string"}, "description": "filename and other keys, values base64"}],
              tags=["uploads"])},
 f"{P}/uploads/{{id}}": {
   "head": op("tus: how many bytes have arrived (Upload-Offset)", {"200": {"description": "Upload-Offset and Upload-Length in headers"}, **errs(401, 404, 412)},
              params=[path_param("id", "Upload")], tags=["uploads"]),
   "patch": op("tus: append bytes at Upload-Offset (Content-Type application/offset+octet-stream); a dropped request keeps what arrived",
               {"204": {"description": "Appended; the new Upload-Offset in headers"}, **errs(400, 401, 404, 409, 412, 415, 422)},
               params=[path_param("id", "Upload"), {"name": "Upload-Offset", "in": "header", "required": True, "schema": {"type": "integer"}}],
               request={"required": True, "content": {"application/offset+octet-stream": {"schema": {"type": "string", "format": "binary"}}}}, tags=["uploads"]),
   "delete": op("tus termination: drop the upload and its bytes", {"204": {"description": "Dropped"}, **errs(401, 404, 412)},
                params=[path_param("id", "Upload")], tags=["uploads"])},
 f"{P}/curricula": {
   "get": op("Curriculum frameworks", {**ok(arr(ref("Curriculum")))}, tags=["library"], auth=False),
   "post": op("Import or update a framework from CSV (administrators): columns subject, grade, [series, edition,] unit, lesson, name_vi, name_en, name_zh",
              {**ok(ref("Curriculum"), "201", "Imported"), **errs(400, 401, 403, 422)},
              params=[query("code", "Framework code, e.g. vn-gdpt-2018"), query("country", "VN or CN"), query("name.vi", "Name in Vietnamese"),
                      query("name.en", "Name in English"), query("name.zh-Hans", "Name in Chinese")],
              request={"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}, tags=["library"])},
 f"{P}/curricula/{{id}}/nodes": {"get": op("Children of a node (or the subjects)", {**ok(arr(ref("CurriculumNode"))), **errs(404, 422)},
   params=[path_param("id", "Framework"), query("parent", "Node id")], tags=["library"], auth=False)},
 f"{P}/curricula/{{id}}/coverage": {"get": op("Share of lessons with a published resource available in an organisation, by subject and grade",
   {**ok(ref("Coverage")), **errs(401, 404, 422)}, params=[path_param("id", "Framework"), query("orgId", "Organisation")], tags=["library"])},
 f"{P}/package-files/{{token}}/{{path}}": {"get": op("A package file through a signed, expiring link (what the sandboxed player uses: it sends no cookies)",
   {"200": {"description": "The file", "content": {"*/*": {}}}, **errs(404)},
   params=[{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}, {"name": "path", "in": "path", "required": True, "schema": {"type": "string"}}],
   tags=["library"], auth=False)},
 f"{P}/question-banks": {
   "get": op("The caller's question banks", {**ok(arr(ref("Bank"))), **errs(401)}, tags=["assessment"]),
   "post": op("Create a question bank owned by the caller (teachers, curators, school and provider administrators)", {**ok(ref("Bank"), "201", "Created"), **errs(400, 401, 403, 422)},
              request=body({"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "maxLength": 200}}}), tags=["assessment"])},
 f"{P}/question-banks/{{id}}": {"get": op("A bank (its owner only)", {**ok(ref("Bank")), **errs(401, 404)}, params=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}, "description": "Question bank"}], tags=["assessment"])},
 f"{P}/question-banks/{{id}}/items": {"get": op("The bank's items in file order", {**ok(page(ref("ItemSummary"))), **errs(401, 404)}, params=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}, "description": "Question bank"}, LIMIT, CURSOR], tags=["assessment"]),
   "post": op("Add an item written as JSON (checked: enough choices, one full mark, gaps in the stem, ...); 409 when the same question is already in the bank",
              {**ok(ref("Item"), "201", "Created"), **errs(400, 401, 404, 409, 422)}, params=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}, "description": "Question bank"}],
              request=body(ref("ItemContent")), tags=["assessment"])},
 f"{P}/question-banks/{{id}}/import": {"post": op("Import a GIFT, Moodle XML, Aiken or QTI 3.0 file (the body; for qti3 one item file or a content package ZIP). A file with problems imports nothing (422 listing each with its line, item or file in the package) unless skipInvalid=true; questions already in the bank are left out and named",
   {**ok(ref("ItemImportReport"), "201", "Imported"), **errs(400, 401, 404, 415, 422)},
   params=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}, "description": "Question bank"}, {"name": "format", "in": "query", "required": True, "schema": {"type": "string", "enum": ["gift", "moodlexml", "aiken", "qti3"]}}, query("skipInvalid", "Import the good items of a file with problems", "boolean"), query("filename", "Named in problem reports")],
   request={"required": True, "content": {"text/plain": {"schema": {"type": "string"}}, "application/xml": {"schema": {"type": "string"}}}}, tags=["assessment"])},
 f"{P}/question-banks/{{id}}/export": {"get": op("The bank's items in a format; items the format cannot express are left out and counted in X-Skipped-Items",
   {"200": {"description": "The file (qti3: a content package ZIP)", "content": {"text/plain": {}, "application/xml": {}, "application/zip": {}}}, **errs(401, 404, 422)}, params=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}, "description": "Question bank"}, {"name": "format", "in": "query", "required": True, "schema": {"type": "string", "enum": ["gift", "moodlexml", "aiken", "qti3"]}}], tags=["assessment"])},
 f"{P}/items/{{id}}": {
   "get": op("An item's content (current version, or ?version=n)", {**ok(ref("Item")), **errs(401, 404)}, params=[path_param("id", "Item"), query("version", "Version number", "integer")], tags=["assessment"]),
   "put": op("Edit an item: always a new version (attempts keep the one they saw); If-Match: \"<version>\" refuses a stale edit with 409",
             {**ok(ref("Item")), **errs(400, 401, 404, 409, 422)}, params=[path_param("id", "Item")], request=body(ref("ItemContent")), tags=["assessment"])},
 f"{P}/exams": {"get": op("Exams you made, and exams your classes and schools may take, newest first", {**ok(arr(ref("Exam"))), **errs(401)}, tags=["assessment"]),
   "post": op("Make an exam from a bank you keep, for a class or school where you teach: a fixed paper (all the bank's items or itemIds), a window and a time limit",
   {**ok(ref("Exam"), "201", "Created"), **errs(400, 401, 404, 422)}, request=body({"type": "object", "required": ["bankId", "title", "orgId", "opensAt", "closesAt", "durationMinutes"],
     "properties": {"bankId": {"type": "string", "format": "uuid"}, "title": {"type": "string"}, "orgId": {"type": "string", "format": "uuid"},
       "opensAt": {"type": "string", "format": "date-time"}, "closesAt": {"type": "string", "format": "date-time"}, "durationMinutes": {"type": "integer"},
       "maxAttempts": {"type": "integer"}, "itemIds": arr({"type": "string", "format": "uuid"}),
       "purpose": {"type": "string", "enum": ["practice", "continuous", "midterm", "endOfTerm"]}, "accessCode": {"type": "string", "description": "4-32 letters or digits"},
       "lateStartMinutes": {"type": "integer"}, "results": {"type": "string", "enum": ["atSubmit", "manual"]},
       "extraTime": arr({"type": "object", "properties": {"personId": {"type": "string", "format": "uuid"}, "minutes": {"type": "integer"}}}),
       "matrix": arr(ref("MatrixCell"))}}), tags=["assessment"])},
 f"{P}/exams/{{id}}/release": {"post": op("Release the results of an exam with results: manual (its owner)",
   {**ok(ref("Exam")), **errs(401, 404)}, params=[path_param("id", "Exam")], tags=["assessment"])},
 f"{P}/exams/{{id}}/attempts": {"post": op("Start an attempt, or resume the open one with every saved answer (pupils of the exam's organisation)",
   {**ok(ref("Attempt"), "201", "Started or resumed"), **errs(401, 404, 409, 422)}, params=[path_param("id", "Exam")],
   request=body({"type": "object", "properties": {"accessCode": {"type": "string"}}}), tags=["assessment"])},
 f"{P}/attempts/{{id}}/answers/{{slot}}": {"put": op("Save one answer; idempotent and ordered by seq: an older or replayed save changes nothing (applied: false). Acknowledged after commit; refused after the deadline or hand-in (409)",
   {**ok({"type": "object", "properties": {"slot": {"type": "integer"}, "seq": {"type": "integer"}, "applied": {"type": "boolean"}}}), **errs(400, 401, 404, 409, 422)},
   params=[path_param("id", "Attempt"), {"name": "slot", "in": "path", "required": True, "schema": {"type": "integer"}}],
   request=body({"type": "object", "required": ["seq", "response"], "properties": {"seq": {"type": "integer"}, "response": {"type": "object"}}}), tags=["assessment"])},
 f"{P}/attempts/{{id}}/submit": {"post": op("Hand in and grade the objective items; essays wait for a person",
   {**ok(ref("SubmitResult")), **errs(401, 404)}, params=[path_param("id", "Attempt")], tags=["assessment"])},
 f"{P}/attempts/{{id}}/result": {"get": op("Your handed-in attempt's result (the score once released)",
   {**ok(ref("SubmitResult")), **errs(401, 404, 409)}, params=[path_param("id", "Attempt")], tags=["assessment"])},
 f"{P}/search/resources": {"get": op("Search published resources the caller may see, with facet counts",
   {**ok(ref("SearchResults")), **errs(422)},
   params=[query("q", "Words; Vietnamese with or without marks, Chinese without spaces, English stemmed"), query("subject", "Subject code"),
           query("grade", "Grade code"), query("type", "Resource kind"), query("language", "Language tag"), query("licence", "Licence"),
           query("scope", "school, district, province or nation"), query("page", "1-500", "integer")], tags=["library"], auth=False)},
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
