import Foundation
import Testing
import Vapor
import VaporTesting
@testable import Courses
@testable import App

/// The xAPI statements of the specification and the ADL conformance suite's building blocks
/// (../shared/fixtures/xapi), sent to the LRS: each accepted or refused as xAPI 1.0.3 says.
@Suite("xAPI: specification and conformance fixtures", .serialized)
struct XAPIFixtureTests {
    static let root = sharedFixtures.map { $0 + "/xapi" }

    /// Fragments the conformance suite uses to break a statement. Not every `no_*` file is
    /// invalid: an activity may lack a definition, a verb its display, an identified group
    /// its members, a context its platform; the specification allows all of those.
    static let invalid: Set<String> = [
        "statements/no_actor", "statements/no_object", "statements/no_verb", "statements/object_statementref_no_id",
        "statements/authority",  // an authority agent with no identifier
        "activities/description_invalid", "activities/name_invalid", "activities/no_id",  // bad language tags, no id
        "activities/interaction_type_invalid_iri", "activities/interaction_type_invalid_numeric",
        "activities/interaction_type_invalid_object", "activities/interaction_type_invalid_string",
        "agents/account_no_homepage", "agents/account_no_name",
        "groups/anonymous_no_member", "groups/identified_account_no_homepage", "groups/identified_account_no_name",
        "contexts/invalid_activity",  // a contextActivities key the specification does not have
        "substatements/activity_definition_description_invalid", "substatements/activity_definition_name_invalid",
        "substatements/context_invalid_language_map", "substatements/interaction_component_invalid_language_map",
        "substatements/verb_invalid", "substatements/no_actor", "substatements/no_object", "substatements/no_verb",
        "substatements/statementref_no_id",
        "verbs/no_id",
        "verbs/voided",  // the voided verb with an activity as object: voiding needs a StatementRef
        // Language maps given as a number or a string.
        "activities/numeric_description", "activities/numeric_name", "activities/string_description", "activities/string_name",
        // Skeletons the suite fills in before sending (an agent with only its objectType, an
        // empty verb, an object without id): sent as they are, each breaks a MUST.
        "statements/actor", "statements/object_activity", "statements/object_actor", "statements/object_substatement", "statements/verb",
        "contexts/instructor", "contexts/team",
        "substatements/activity", "substatements/actor", "substatements/agent", "substatements/group", "substatements/verb",
    ]

    func load(_ path: String) throws -> JSONValue { try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: path))) }

    @Test func conformanceBuildingBlocksAreAcceptedOrRefusedAsTheSpecificationSays() async throws {
        guard let root = Self.root else {
            print("skipped: ../shared/fixtures is absent, so the xAPI conformance templates cannot be read")
            return
        }
        try await withTestApp { app in
            let client = try await app.xapiClient()
            let base = try load(root + "/conformance-templates/statements/default.json")
            let places = ["activities": "object", "substatements": "object", "agents": "actor", "groups": "actor",
                          "verbs": "verb", "contexts": "context", "results": "result"]
            var checked = 0, mismatches: [String] = []
            for folder in ["statements", "activities", "agents", "groups", "verbs", "contexts", "results", "substatements"] {
                let dir = root + "/conformance-templates/" + folder
                for file in try FileManager.default.contentsOfDirectory(atPath: dir).filter({ $0.hasSuffix(".json") }).sorted() {
                    let name = folder + "/" + file.dropLast(5)
                    let piece = try load(dir + "/" + file)
                    let statement = places[folder].map { base.setting($0, piece) } ?? piece
                    let wantValid = !Self.invalid.contains(name)
                    var status = HTTPStatus.internalServerError
                    var body = ""
                    try await app.testing().test(.POST, "xapi/statements", headers: client.merging(["Content-Type": "application/json"]),
                                                 body: ByteBuffer(data: statement.canonicalData())) { res in
                        status = res.status
                        body = res.body.string
                    }
                    checked += 1
                    if (status == .ok) != wantValid || (!wantValid && status != .badRequest) {
                        mismatches.append("\(name): \(status.code) \(body.prefix(200))")
                    }
                }
            }
            #expect(checked >= 119)
            #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        }
    }

    @Test func theSpecificationsExamplesAreStoredAndTheSignedOneExplained() async throws {
        guard let root = Self.root else {
            print("skipped: ../shared/fixtures is absent, so the xAPI specification examples cannot be read")
            return
        }
        try await withTestApp { app in
            let client = try await app.xapiClient().merging(["Content-Type": "application/json"])
            let dir = root + "/spec-examples/"
            let base = try load(root + "/conformance-templates/statements/default.json")
            var sent: [(String, JSONValue, HTTPStatus)] = []
            for file in ["00-simple-statement", "01-voiding-statement", "02-statement-as-returned-with-id", "05-statement-ref-comment",
                         "06-substatement-planned-visit", "08-completion-attempted-duration", "09-statement-with-authority-stored",
                         "14-signed-statement-original"] {
                sent.append((file, try load(dir + file + ".json"), .ok))
            }
            // Fragments in their places in a whole statement.
            sent.append(("03 as actor", base.setting("actor", try load(dir + "03-agent-with-account.json")), .ok))
            sent.append(("04 as verb", base.setting("verb", try load(dir + "04-verb-with-display.json")), .ok))
            sent.append(("07 as contextActivities", base.setting("context", .object(["contextActivities": try load(dir + "07-context-activities-parent-grouping.json")])), .ok))
            for f in ["10-object-activity", "11-object-agent", "12-object-identified-group", "13-substatement-with-statementref"] {
                sent.append((f + " as object", base.setting("object", try load(dir + f + ".json")), .ok))
            }
            // A signed statement carries its signature as a multipart attachment: refused with the reason.
            sent.append(("16-signed-statement-with-signature", try load(dir + "16-signed-statement-with-signature.json"), .badRequest))
            for (name, statement, want) in sent {
                try await app.testing().test(.POST, "xapi/statements", headers: client, body: ByteBuffer(data: statement.canonicalData())) { res in
                    #expect(res.status == want, "\(name): \(res.body.string.prefix(300))")
                    if want == .badRequest { #expect(res.body.string.contains("xapi.attachment-content")) }
                }
            }
            // The stored example comes back with its own id, and the LRS's stored and authority in place of the sender's.
            try await app.testing().test(.GET, "xapi/statements?statementId=6690e6c9-3ef0-4ed3-8b37-7f3964730bee", headers: client) { res in
                let s = try JSONValue.parse(Data(buffer: res.body))
                #expect(s["actor"]?["member"]?.array?.count == 3)
                #expect(s["authority"]?["account"]?["homePage"]?.string != "http://cloud.scorm.com/")
                #expect(s["stored"]?.string != "2013-05-18T05:32:34.804Z")
            }
        }
    }
}

