import Foundation
import FluentKit
import Platform

/// Where a version's derived files stand.
public enum ProcessingState: String, Sendable, Codable {
    case queued, running, done, failed
}

/// Why making renditions failed; pages translate these codes (`library.processing.<code>`).
public enum TranscodeReason: String, Sendable, Codable {
    case ffmpegMissing = "ffmpeg-missing"
    case storageNotLocal = "storage-not-local"
    case unreadableVideo = "unreadable-video"
    case transcodeFailed = "transcode-failed"
    case timeout
}

/// The Library's background jobs.
public enum LibraryJobs {
    public static let transcode = "library.transcode"

    struct TranscodePayload: Codable, Sendable {
        var versionId: UUID
    }

    public static func handlers(ctx: LibraryContext) -> [String: JobWorker.Handler] {
        [transcode: { job, db in try await VideoTranscoder(db: db, ctx: ctx).run(job) }]
    }

    /// File kinds that get renditions and a poster.
    static let videoKinds: Set<String> = [FileKind.mp4.rawValue, FileKind.webm.rawValue]
}

/// Makes the 360p/720p MP4 renditions and the poster of an uploaded video with ffmpeg,
/// run as a child process at low priority (the web stays responsive on two cores). The
/// original stays playable throughout; renditions appear when all are ready.
struct VideoTranscoder {
    let db: any Database
    let ctx: LibraryContext

    struct Failure: Error {
        var reason: TranscodeReason
        var detail: String
        var retryable: Bool
    }

    func run(_ job: Job) async throws {
        let payload: LibraryJobs.TranscodePayload
        do { payload = try job.decode(LibraryJobs.TranscodePayload.self) } catch {
            throw JobFailure("unreadable payload: \(job.payload)", retryable: false)
        }
        // A version removed meanwhile (its resource deleted) needs nothing more.
        guard let version = try await ResourceVersion.find(payload.versionId, on: db) else { return }
        try await setState(version.id!, .running, reason: nil)
        do {
            try await transcode(version, workDirectory: ctx.stagingRoot.appendingPathComponent("transcode-\(job.id.uuidString.lowercased())"))
        } catch let f as Failure {
            let final = !f.retryable || job.attempts >= job.maxAttempts
            try await setState(version.id!, final ? .failed : .queued, reason: f.reason)
            throw JobFailure("\(f.reason.rawValue): \(f.detail)", retryable: f.retryable)
        } catch {
            let final = job.attempts >= job.maxAttempts
            try? await setState(version.id!, final ? .failed : .queued, reason: .transcodeFailed)
            throw error
        }
    }

    private func setState(_ versionID: UUID, _ state: ProcessingState, reason: TranscodeReason?) async throws {
        try await ResourceVersion.query(on: db).filter(\.$id == versionID)
            .set(\.$processingState, to: state.rawValue).set(\.$processingError, to: reason?.rawValue).update()
    }

    private func transcode(_ version: ResourceVersion, workDirectory: URL) async throws {
        guard let ffmpeg = ChildProcess.locate(ctx.ffmpegPath) else {
            throw Failure(reason: .ffmpegMissing, detail: "ffmpeg was not found at '\(ctx.ffmpegPath)'; install the Debian package ffmpeg "
                          + "(or set EDUCOMMONS_FFMPEG), then run `educommons jobs retry`", retryable: false)
        }
        guard let ffprobe = ChildProcess.locate(ffmpeg.deletingLastPathComponent().appendingPathComponent("ffprobe").path)
                ?? ChildProcess.locate("ffprobe") else {
            throw Failure(reason: .ffmpegMissing, detail: "ffprobe (part of the ffmpeg package) was not found beside \(ffmpeg.path)", retryable: false)
        }
        guard let input = try ctx.blobs.localURL(version.sha256) else {
            throw Failure(reason: .storageNotLocal, detail: "the blob store keeps files elsewhere; transcoding needs a local file", retryable: false)
        }
        let source = try await probe(ffprobe, input)
        let fm = FileManager.default
        try fm.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: workDirectory) }

        let video = ctx.rules.video
        let timeout = TimeInterval(video.timeoutMinutes * 60)
        var made: [(label: String, mediaType: String, file: URL)] = []
        // Never upscale: a rendition taller than the original would only cost bytes.
        for r in video.renditions where r.height <= source.shortSide {
            let out = workDirectory.appendingPathComponent("\(r.label).mp4")
            try await ffmpegRun(ffmpeg, ["-nostdin", "-y", "-v", "error", "-i", input.path,
                                         "-map", "0:v:0", "-map", "0:a:0?", "-vf", Self.scale(r.height),
                                         "-c:v", "libx264", "-preset", "veryfast", "-crf", String(r.crf), "-pix_fmt", "yuv420p",
                                         "-threads", String(ctx.transcodeThreads),
                                         "-c:a", "aac", "-b:a", "\(r.audioKbps)k", "-ac", "2",
                                         "-movflags", "+faststart", "-f", "mp4", out.path], timeout: timeout)
            made.append((r.label, FileKind.mp4.mediaType, out))
        }
        let poster = workDirectory.appendingPathComponent("poster.jpg")
        let at = source.duration > 0 ? min(1.0, source.duration / 2) : 0
        try await ffmpegRun(ffmpeg, ["-nostdin", "-y", "-v", "error", "-ss", String(format: "%.2f", at), "-i", input.path,
                                     "-frames:v", "1", "-vf", Self.scale(min(video.posterHeight, source.shortSide)),
                                     "-q:v", "4", "-f", "image2", poster.path], timeout: 300)
        made.append(("poster", FileKind.jpeg.mediaType, poster))

        // Hashing and copying the outputs is blocking disk work: off the event loops.
        let blobs = ctx.blobs
        let files = made
        let stored = try await BlockingWork.run { try files.map { try blobs.storeFile(at: $0.file) } }
        do {
            try await db.transaction { tx in
                try await ResourceRendition.query(on: tx).filter(\.$versionID == version.id!).delete()
                for (item, blob) in zip(files, stored) {
                    let row = ResourceRendition()
                    row.id = UUIDv7.make(at: ctx.clock.now())
                    row.versionID = version.id!
                    row.label = item.label
                    row.sha256 = blob.sha256
                    row.size = blob.size
                    row.mediaType = item.mediaType
                    try await row.create(on: tx)
                }
                try await ResourceVersion.query(on: tx).filter(\.$id == version.id!)
                    .set(\.$processingState, to: ProcessingState.done.rawValue).set(\.$processingError, to: nil).update()
            }
        } catch {
            let service = LibraryService(db: db, ctx: ctx)
            for blob in stored { try? await service.discardIfUnreferenced(blob) }
            throw error
        }
    }

    /// Fits the short side to `height` (portrait videos too), keeping the width even as
    /// H.264 needs; ffmpeg has already applied any rotation when the filter runs.
    static func scale(_ height: Int) -> String {
        "scale='if(gte(iw,ih),-2,\(height))':'if(gte(iw,ih),\(height),-2)'"
    }

    struct Source {
        var width: Int
        var height: Int
        var duration: Double
        var shortSide: Int { min(width, height) }
    }

    private func probe(_ ffprobe: URL, _ input: URL) async throws -> Source {
        struct Probe: Decodable {
            struct Stream: Decodable { var width: Int?; var height: Int? }
            struct Format: Decodable { var duration: String? }
            var streams: [Stream]?
            var format: Format?
        }
        let result = try await ChildProcess.run(ffprobe, ["-v", "error", "-select_streams", "v:0", "-show_entries",
                                                          "stream=width,height:format=duration", "-of", "json", input.path],
                                                timeout: 120, nice: 10)
        guard result.status == 0, let p = try? JSONDecoder().decode(Probe.self, from: result.stdout),
              let s = p.streams?.first, let w = s.width, let h = s.height, w > 0, h > 0 else {
            throw Failure(reason: .unreadableVideo, detail: "ffprobe found no video stream: \(result.stderrTail.trimmingCharacters(in: .whitespacesAndNewlines))",
                          retryable: false)
        }
        return Source(width: w, height: h, duration: p.format?.duration.flatMap(Double.init) ?? 0)
    }

    private func ffmpegRun(_ ffmpeg: URL, _ arguments: [String], timeout: TimeInterval) async throws {
        let result = try await ChildProcess.run(ffmpeg, arguments, timeout: timeout, nice: 10)
        if result.timedOut {
            throw Failure(reason: .timeout, detail: "ffmpeg ran longer than \(Int(timeout / 60)) minutes", retryable: true)
        }
        guard result.status == 0 else {
            throw Failure(reason: .transcodeFailed, detail: "ffmpeg exited with \(result.status): \(result.stderrTail.trimmingCharacters(in: .whitespacesAndNewlines))",
                          retryable: true)
        }
    }
}
