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
        pages.get("imports", "oneroster", use: dir.importForm)
        pages.on(.POST, "imports", "oneroster", body: .collect(maxSize: "64mb"), use: dir.importUpload)
    }
}

