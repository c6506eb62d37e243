import Foundation
import Testing

/// Runs the built `educommons` binary as an operator would, on a throw-away SQLite folder.
@Suite("Command line", .enabled(if: FileManager.default.isExecutableFile(atPath: cliBinary), "the educommons binary is not built"))
struct CommandLineTests {
    func run(_ args: [String], env extra: [String: String] = [:], data: String) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: cliBinary)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = nil
        env["EDUCOMMONS_DATA"] = data
        env["LOG_LEVEL"] = "error"
        env["EDUCOMMONS_BCRYPT_COST"] = "4"
        for (k, v) in extra { env[k] = v }
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self))
    }

    @Test func firstAdministratorThenARefusedImportThenABadSetting() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("ec-cli-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let (created, createdOut) = try run(["user", "create", "--username", "root", "--password", "long-enough-1",
                                             "--family-name", "Nguyễn", "--given-name", "An"], data: data)
        #expect(created == 0, "\(createdOut)")
        #expect(createdOut.contains("Nguyễn An (root)"))
        let (again, againOut) = try run(["user", "create", "--username", "root", "--password", "long-enough-1",
                                         "--family-name", "X", "--given-name", "Y"], data: data)
        #expect(again != 0)
        #expect(againOut.contains("root"))
        if let shared = sharedFixtures {
            // A school straight under the nation does not fit the tree: refused, with its line.
            let (code, out) = try run(["import", "oneroster", shared + "/oneroster/v1p2-delta-clean", "--dry-run"], data: data)
            #expect(code != 0)
            #expect(out.contains("orgs.csv:2"))
        }
        let (bad, badOut) = try run(["serve"], env: ["PORT": "http"], data: data)
        #expect(bad == 2)
        #expect(badOut.contains("PORT"))
    }
}

let cliBinary: String = packageRoot + "/.build/debug/educommons"
