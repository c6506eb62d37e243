import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs another program (ffmpeg, ffprobe) without blocking a thread while it works:
/// the caller is resumed from the termination handler. Output goes to temporary files,
/// not pipes, so a chatty program can never fill a pipe and stall.
public enum ChildProcess {
    public struct Result: Sendable {
        public var status: Int32
        public var timedOut: Bool
        public var stdout: Data
        /// The last 4 KB of standard error: enough for the reason, never unbounded.
        public var stderrTail: String
    }

    /// Where an executable named `name` is: itself when it contains a slash, else the
    /// first match on PATH. Nil when there is none.
    public static func locate(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> URL? {
        let fm = FileManager.default
        if name.contains("/") { return fm.isExecutableFile(atPath: name) ? URL(fileURLWithPath: name) : nil }
        for dir in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if fm.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        return nil
    }

    /// Runs `executable` with `arguments`, at lower CPU priority when `nice` is set so
    /// request handling keeps the upper hand. Killed after `timeout` seconds.
    public static func run(_ executable: URL, _ arguments: [String], timeout: TimeInterval, nice: Int32 = 0) async throws -> Result {
        let dir = FileManager.default.temporaryDirectory
        let outURL = dir.appendingPathComponent("ec-out-\(UUID().uuidString)")
        let errURL = dir.appendingPathComponent("ec-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = out
        p.standardError = err
        let watched = WatchedProcess(p)
        let status: Int32 = try await withCheckedThrowingContinuation { c in
            p.terminationHandler = { c.resume(returning: $0.terminationStatus) }
            do { try p.run() } catch { c.resume(throwing: error); return }
            #if canImport(Glibc)
            if nice != 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(p.processIdentifier), nice) }
            #endif
            watched.watch(timeout: timeout)
        }
        watched.stopWatching()
        try? out.close()
        try? err.close()
        let errData = (try? Data(contentsOf: errURL)) ?? Data()
        return Result(status: status, timedOut: watched.timedOut, stdout: (try? Data(contentsOf: outURL)) ?? Data(),
                      stderrTail: String(decoding: errData.suffix(4096), as: UTF8.self))
    }
}

/// Kills a process that outlives its time. Process is safe to query and terminate from
/// any thread but is not marked Sendable; the lock guards the rest.
private final class WatchedProcess: @unchecked Sendable {
    private let process: Process
    private let lock = NSLock()
    private var killed = false
    private var watchdog: Task<Void, Never>?

    init(_ p: Process) { process = p }

    var timedOut: Bool { lock.withLock { killed } }

    func watch(timeout: TimeInterval) {
        let task = Task { [self] in
            try? await Task.sleep(nanoseconds: UInt64(timeout * 1_000_000_000))
            guard !Task.isCancelled else { return }
            lock.withLock {
                if process.isRunning { killed = true; process.terminate() }
            }
        }
        lock.withLock { watchdog = task }
    }

    func stopWatching() { lock.withLock { watchdog?.cancel() } }
}
