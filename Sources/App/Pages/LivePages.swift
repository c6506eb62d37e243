import Foundation
import Vapor
import Platform
import Live

struct LivePage: Encodable, Sendable {
    var base: PageBase
    var room: RoomDTO
    var moderates: Bool
    var broadcast: Bool
    var roleLabel: String
    var texts: [Text]
    struct Text: Encodable, Sendable { var key: String; var value: String }
}

struct LiveListPage: Encodable, Sendable {
    var base: PageBase
    var rooms: [Card]
    var create: CreateForm?
    var errors: FormErrors
    struct Card: Encodable, Sendable { var id: String; var title: String; var modeLabel: String; var roleLabel: String; var present: Int }
    struct CreateForm: Encodable, Sendable {
        var places: [SelectOption]
        var modes: [SelectOption]
        var videos: [SelectOption]
        var title: String
        var streamUrl: String
        var streamHint: String?
    }
}

/// `/live`: the open rooms the person may enter, and a form to open one (for a course they
/// teach, or a meeting of an organisation they teach or manage at). `/live/{id}`: the room
/// (phone-first). The room works as a page without scripts (title, role, the record link for
/// hosts); live.js connects the socket and draws the room.
struct LivePages {
    @Sendable func list(req: Request) async throws -> Response {
        try await renderList(req, errors: FormErrors())
    }

    func renderList(_ req: Request, errors: FormErrors, title: String = "", streamUrl: String = "", status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        let mine = try await req.courses.myCourses(actor: actor)
        let rooms = try await req.live.openRooms(actor: actor, mine: mine)
        let taught = mine.filter { $0.role == "teacher" && $0.status != "archived" }
        var seen = Set<UUID>()
        let hosts: [Role] = [.teacher, .homeroomTeacher, .schoolAdmin, .official, .administrator]
        let orgs = actor.grants.filter { hosts.contains($0.role) && $0.orgKind != .class && seen.insert($0.orgID).inserted }
        let places = taught.map { SelectOption(value: "course:\($0.id.uuidString)", label: req.t("live.place.course", [$0.title]), selected: false) }
            + orgs.map { SelectOption(value: "org:\($0.orgID.uuidString)", label: req.t("live.place.meeting", [$0.orgName.pick(req.locale)]), selected: false) }
        let ctx = req.services.live
        var videos = [SelectOption(value: "webrtc", label: req.t("live.video.webrtc"), selected: true)]
        if ctx.bbb != nil { videos.append(SelectOption(value: "bbb", label: req.t("live.video.bbb"), selected: false)) }
        if !ctx.streamOrigins.isEmpty { videos.append(SelectOption(value: "stream", label: req.t("live.video.stream"), selected: false)) }
        let create = places.isEmpty ? nil : LiveListPage.CreateForm(
            places: places, modes: ["interactive", "broadcast"].map { SelectOption(value: $0, label: req.t("live.mode.\($0)"), selected: false) },
            videos: videos, title: title, streamUrl: streamUrl,
            streamHint: ctx.streamOrigins.isEmpty ? nil : req.t("live.stream-hint", [ctx.streamOrigins.joined(separator: ", ")]))
        let cards = rooms.map { r in
            LiveListPage.Card(id: r.id.uuidString.lowercased(), title: r.title, modeLabel: req.t("live.mode.\(r.mode)"),
                              roleLabel: req.t("live.role.\(r.role.rawValue)"), present: r.present)
        }
        let page = LiveListPage(base: await PageBase.make(req, title: req.t("live.rooms")), rooms: cards, create: create, errors: errors)
        return try await req.page("live-rooms", page, status: status)
    }

    struct PairingsPage: Encodable, Sendable {
        var base: PageBase
        var rows: [Row]
        struct Row: Encodable, Sendable {
            var title: String; var lead: String; var partner: String; var dates: String; var schedule: String
            var planned: String; var delivered: Int; var behind: Bool; var pupils: Int; var minutes: Int
        }
    }

    /// `/live/pairings`: lessons delivered per pairing of schools against those planned to date.
    @Sendable func pairings(req: Request) async throws -> Response {
        let list = try await req.live.pairings(actor: try req.requireActor())
        let days = (1...7).map { req.t("live.weekday.\($0)") }
        let rows = list.map { p in
            PairingsPage.Row(title: p.title, lead: p.leadSchool.pick(req.locale), partner: p.partnerSchool.pick(req.locale), dates: "\(p.startsOn) – \(p.endsOn)",
                             schedule: p.schedule.map { "\(days[$0.weekday - 1]) \($0.start) (\($0.minutes)′)" }.joined(separator: ", "),
                             planned: "\(p.plannedToDate) / \(p.plannedTotal)", delivered: p.delivered, behind: p.delivered < p.plannedToDate,
                             pupils: p.partnerPupils, minutes: p.minutes)
        }
        return try await req.page("live-pairings", PairingsPage(base: await PageBase.make(req, title: req.t("live.pairings")), rows: rows))
    }

    struct SlideView: Content {
        var type: String
        var src: String
        var title: String
        var pages: Int?
    }

    /// `GET /live/{id}/slide?resource=&page=`: how the host's Library resource shows at the
    /// page everyone follows, as the Library shows it to this person (their own right to see
    /// it is checked): a PDF at that page, a book at that chapter, an image, a video.
    @Sendable func slide(req: Request) async throws -> SlideView {
        let actor = try req.requireActor()
        _ = try await req.live.detail(try req.uuid("id"), actor: actor)
        guard let rid = req.query[String.self, at: "resource"].flatMap(UUID.init(uuidString:)) else { throw DomainError.malformed(reason: "live.malformed") }
        let page = min(max(req.query[Int.self, at: "page"] ?? 1, 1), 10_000)
        let r = try await req.library.resource(rid, actor: actor)
        // A book shows the chapter of the slide's page.
        guard let v = try await LibraryPages.viewer(req, r, actor: actor, format: LocaleFormat(req.locale), chapter: page) else {
            return SlideView(type: "link", src: r.url ?? "/library/\(r.id)", title: r.displayTitle, pages: nil)
        }
        return SlideView(type: v.type, src: v.type == "pdf" ? v.src + "#page=\(page)" : v.src, title: r.displayTitle,
                         pages: v.chapters.isEmpty ? nil : v.chapters.count)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let title = req.field("title") ?? "", streamUrl = req.field("streamUrl") ?? ""
        return try await req.submitForm({
            var input = NewRoom(title: title)
            input.mode = req.field("mode")
            input.video = req.field("video")
            input.streamUrl = streamUrl.isEmpty ? nil : streamUrl
            let place = (req.field("place") ?? "").split(separator: ":", maxSplits: 1).map(String.init)
            guard place.count == 2, let id = UUID(uuidString: place[1]) else { throw DomainError.invalid(field: "place", reason: "validation.required") }
            if place[0] == "course" { input.courseId = id } else { input.orgId = id }
            return "/live/\(try await req.live.createRoom(input, actor: actor).id.uuidString.lowercased())"
        }, orShow: { errors, status in try await renderList(req, errors: errors, title: title, streamUrl: streamUrl, status: status) })
    }

    @Sendable func room(req: Request) async throws -> Response {
        let room = try await req.live.detail(try req.uuid("id"), actor: try req.requireActor())
        var texts: [LivePage.Text] = []
        for key in ["live.connecting", "live.connected", "live.reconnecting", "live.ended-note", "live.present", "live.send", "live.ask",
                    "live.raise-hand", "live.lower-hand", "live.upvote", "live.answered", "live.publish", "live.vote", "live.close-poll",
                    "live.new-poll", "live.options", "live.slide", "live.page", "live.private", "live.rate-limited", "live.too-long",
                    "live.hosts-only", "live.error", "live.hands", "live.questions", "live.chat", "live.poll", "live.votes", "live.camera", "live.leave-call",
                    "live.audio-only", "live.video-back", "live.media-denied", "live.you", "live.not-in-call", "live.not-saved", "live.unavailable", "live.slides-only", "live.stream-back", "live.slide-unavailable",
                    "live.host-away", "live.weak-link", "live.quiz-right", "live.quiz-wrong"] {
            texts.append(.init(key: key.replacingOccurrences(of: "live.", with: ""), value: req.t(key)))
        }
        let page = LivePage(base: await PageBase.make(req, title: room.title), room: room, moderates: room.role.moderates,
                            broadcast: room.mode == "broadcast", roleLabel: req.t("live.role.\(room.role.rawValue)"), texts: texts)
        let response = try await req.page("live", page)
        // The room's stream plays from the operator's stream origin; BigBlueButton's join
        // form sends people to its server. Nothing else leaves the site.
        var media = "", forms = ""
        if let s = room.streamUrl.flatMap(URL.init(string:)).flatMap(LiveService.origin) { media = "; media-src 'self' \(s)" }
        if room.video == "bbb", let s = req.services.live.bbb.flatMap({ URL(string: $0.api) }).flatMap(LiveService.origin) { forms = " \(s)" }
        response.headers.replaceOrAdd(name: "Content-Security-Policy",
                                      value: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'\(forms)\(media)")
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    /// The page's "join the video" button: to the BigBlueButton server, signed for the caller.
    @Sendable func bigBlueButton(req: Request) async throws -> Response {
        req.redirect(to: try await req.live.bigBlueButtonJoin(try req.uuid("id"), actor: try req.requireActor()), redirectType: .normal)
    }
}
