import Foundation
import Vapor

/// Every route of the application, grouped by section.
func routes(_ app: Application) throws {
    // Operations
    do {
        let ops = OperationsController()
        app.get("healthz", use: ops.health)
        app.get("metrics", use: ops.metrics)
        app.get("static", ":file", use: ops.asset)
    }

    // Harvesting (OAI-PMH 2.0)
    do {
        let oai = OAIController()
        app.get("oai", use: oai.handle)
        app.on(.POST, "oai", body: .collect(maxSize: "64kb"), use: oai.handle)
    }

    let api = app.grouped("api", "v1")
    // API: identity
    do {
        let auth = AuthAPI()
        api.post("auth", "token", use: auth.token)
        api.delete("auth", "token", use: auth.revoke)
        api.post("auth", "password", use: auth.changePassword)
        api.get("me", use: auth.me)
        api.get("openapi.json", use: auth.openAPI)
    }
    // API: directory
    do {
        let people = PeopleAPI()
        api.get("people", use: people.search)
        api.post("people", use: people.create)
        api.get("people", ":id", use: people.show)
        api.patch("people", ":id", use: people.update)
        api.post("people", ":id", "national-id-corrections", use: people.correctNationalID)
        api.post("people", ":id", "roles", use: people.assignRole)
        api.delete("people", ":id", "roles", ":orgId", ":role", use: people.revokeRole)
        api.get("people", ":id", "guardians", use: people.guardians)
        api.post("people", ":id", "guardians", use: people.linkGuardian)
        api.get("people", ":id", "consents", use: people.consents)
        api.post("people", ":id", "consents", use: people.recordConsent)
        api.post("people", ":id", "consents", ":consentId", "withdraw", use: people.withdrawConsent)

        let orgs = OrgsAPI()
        api.get("orgs", use: orgs.search)
        api.post("orgs", use: orgs.create)
        api.get("orgs", ":id", use: orgs.show)
        api.patch("orgs", ":id", use: orgs.rename)
        api.get("orgs", ":id", "children", use: orgs.children)
        api.post("orgs", ":id", "move", use: orgs.move)
        api.get("orgs", ":id", "moves", use: orgs.moves)

        api.get("audit-events", use: AuditAPI().list)
        api.on(.POST, "imports", "oneroster", body: .collect(maxSize: "64mb"), use: ImportAPI().oneRoster)
    }

    // API: assessment
    do {
        let a = AssessmentAPI()
        api.post("question-banks", use: a.createBank)
        api.get("question-banks", use: a.banks)
        api.get("question-banks", ":id", use: a.bank)
        api.get("question-banks", ":id", "items", use: a.items)
        api.on(.POST, "question-banks", ":id", "import", body: .collect(maxSize: "50mb"), use: a.importItems)
        api.get("question-banks", ":id", "export", use: a.exportItems)
        api.post("question-banks", ":id", "items", use: a.createItem)
        api.get("items", ":id", use: a.item)
        api.put("items", ":id", use: a.updateItem)
        api.post("exams", use: a.createExam)
        api.get("exams", use: a.exams)
        api.post("exams", ":id", "attempts", use: a.startAttempt)
        api.put("attempts", ":id", "answers", ":slot", use: a.saveAnswer)
        api.post("attempts", ":id", "submit", use: a.submitAttempt)
        api.get("attempts", ":id", "result", use: a.attemptResult)
        api.post("exams", ":id", "release", use: a.releaseResults)
        api.get("exams", ":id", "grading", use: a.gradingQueue)
        api.post("attempts", ":id", "next", use: a.nextQuestion)
        api.put("attempts", ":id", "grades", ":slot", use: a.gradeAnswer)
        api.post("exams", ":id", "regrade", use: a.regrade)
        api.get("exams", ":id", "analysis", use: a.examAnalysis)
        api.post("question-banks", ":id", "calibrate", use: a.calibrateBank)
        api.get("question-banks", "shared", use: a.sharedBanks)
        api.get("question-banks", "reviews", use: a.bankReviews)
        api.post("question-banks", ":id", "submit", use: a.submitBank)
        api.post("question-banks", ":id", "claim", use: a.claimBank)
        api.post("question-banks", ":id", "request-changes", use: a.requestBankChanges)
        api.post("question-banks", ":id", "approve", use: a.approveBank)
        api.post("question-banks", ":id", "withdraw", use: a.withdrawBank)
        api.get("question-banks", ":id", "history", use: a.bankHistory)
    }
    // API: library
    do {
        let lib = LibraryAPI()
        // Uploads stream: the body is read part by part into the blob store.
        api.on(.POST, "resources", body: .stream, use: lib.create)
        api.get("resources", use: lib.mine)
        api.get("review-queue", use: lib.queue)
        api.get("resources", ":id", use: lib.show)
        api.patch("resources", ":id", use: lib.update)
        api.on(.POST, "resources", ":id", "versions", body: .stream, use: lib.addVersion)
        api.post("resources", ":id", "versions", ":version", "transcode", use: lib.transcode)
        api.get("resources", ":id", "history", use: lib.history)
        api.post("resources", ":id", "submit", use: lib.submit)
        api.post("resources", ":id", "claim", use: lib.claim)
        api.post("resources", ":id", "comments", use: lib.comment)
        api.post("resources", ":id", "request-changes", use: lib.requestChanges)
        api.post("resources", ":id", "approve", use: lib.approve)
        api.post("resources", ":id", "withdraw", use: lib.withdraw)
        api.post("resources", ":id", "rating", use: lib.rate)
        api.post("resources", ":id", "usages", use: lib.markUsed)
        api.get("resources", ":id", "content", use: lib.content)
        api.on(.HEAD, "resources", ":id", "content", use: lib.content)
        api.get("resources", ":id", "package", ":version", "**", use: lib.packageFile)
        api.get("package-files", ":token", "**", use: lib.signedPackageFile)
        api.get("search", "resources", use: lib.search)

        let tus = TusAPI()
        api.on(.OPTIONS, "uploads", use: tus.options)
        api.post("uploads", use: tus.create)
        api.on(.HEAD, "uploads", ":id", use: tus.head)
        api.on(.PATCH, "uploads", ":id", body: .stream, use: tus.patch)
        api.delete("uploads", ":id", use: tus.delete)

        let curricula = CurriculumAPI()
        api.get("curricula", use: curricula.list)
        api.on(.POST, "curricula", body: .collect(maxSize: "8mb"), use: curricula.importCSV)
        api.get("curricula", ":id", "nodes", use: curricula.nodes)
        api.get("curricula", ":id", "coverage", use: curricula.coverage)
    }

    // Pages
    do {
        let pages = app
        let shell = ShellPages()
        pages.get(use: shell.home)
        pages.get("signin", use: shell.signInForm)
        pages.post("signin", use: shell.signIn)
        pages.post("signout", use: shell.signOut)
        pages.get("profile", use: shell.profile)
        pages.post("profile", use: shell.updateProfile)
        pages.post("profile", "password", use: shell.changePassword)

        let dir = DirectoryPages()
        pages.get("orgs", use: dir.orgRoots)
        pages.get("orgs", ":id", use: dir.org)
        pages.post("orgs", ":id", "children", use: dir.createChild)
        pages.post("orgs", ":id", "rename", use: dir.renameOrg)
        pages.post("orgs", ":id", "move", use: dir.moveOrg)
        pages.get("people", use: dir.people)
        pages.get("people", "new", use: dir.newPersonForm)
        pages.post("people", use: dir.createPerson)
        pages.get("people", ":id", use: dir.person)
        pages.post("people", ":id", use: dir.updatePerson)
        pages.post("people", ":id", "roles", use: dir.assignRole)
        pages.post("people", ":id", "guardians", use: dir.linkGuardian)
        pages.post("people", ":id", "consents", use: dir.giveConsent)
        pages.post("people", ":id", "consents", ":consentId", "withdraw", use: dir.withdrawConsent)
        pages.get("audit", use: dir.audit)

        let lib = LibraryPages()
        let ap = AssessmentPages()
        pages.get("assessment", "banks", use: ap.banks)
        pages.post("assessment", "banks", use: ap.createBank)
        pages.get("assessment", "banks", ":id", use: ap.bank)
        pages.on(.POST, "assessment", "banks", ":id", "import", body: .collect(maxSize: "2mb"), use: ap.importFile)
        // The same download as the API's, for the page session (the API takes bearer tokens).
        pages.get("assessment", "banks", ":id", "export", use: AssessmentAPI().exportItems)
        pages.post("assessment", "banks", ":id", "calibrate", use: ap.calibrate)
        pages.post("assessment", "banks", ":id", "submit", use: ap.submit)
        pages.post("assessment", "banks", ":id", "review", use: ap.review)
        pages.post("assessment", "banks", ":id", "withdraw", use: ap.withdraw)
        let ex = ExamPages()
        pages.get("exams", use: ex.list)
        pages.post("exams", ":id", "start", use: ex.start)
        pages.post("exams", ":id", "release", use: ex.release)
        let setup = ExamSetupPages()
        pages.get("exams", "new", use: setup.form)
        pages.post("exams", "new", use: setup.create)
        let owner = ExamOwnerPages()
        pages.get("exams", ":id", "grading", use: owner.grading)
        pages.post("exams", ":id", "grading", ":attempt", ":slot", use: owner.grade)
        pages.post("exams", ":id", "regrade", use: owner.regrade)
        pages.get("exams", ":id", "analysis", use: owner.analysis)
        pages.get("attempts", ":id", use: ex.attempt)
        // exam.js saves through the API's own handler, with the page session and CSRF header.
        pages.post("attempts", ":id", "answers", ":slot", use: AssessmentAPI().saveAnswer)
        pages.post("attempts", ":id", "submit", use: ex.submit)
        pages.post("attempts", ":id", "next", use: ex.next)
        pages.get("attempts", ":id", "result", use: ex.result)
        pages.get("library", use: lib.browse)
        pages.get("library", "new", use: lib.newForm)
        pages.on(.POST, "library", "new", body: .stream, use: lib.create)
        pages.get("library", "mine", use: lib.mine)
        pages.get("library", "review", use: lib.queue)
        pages.get("library", "coverage", use: lib.coverage)
        pages.get("library", ":id", use: lib.resource)
        pages.on(.POST, "library", ":id", "versions", body: .stream, use: lib.addVersion)
        pages.post("library", ":id", ":step", use: lib.step)
        pages.get("imports", "oneroster", use: dir.importForm)
        pages.on(.POST, "imports", "oneroster", body: .collect(maxSize: "64mb"), use: dir.importUpload)
    }
}

