import Foundation
import Platform

/// What a resource is. The kind decides which file types are accepted and how it is shown.
public enum ResourceKind: String, Sendable, Codable, CaseIterable {
    /// Lecture notes, worksheets, slides: PDF, DOCX, PPTX, XLSX.
    case document
    case video
    case audio
    case image
    /// E-textbook: EPUB or PDF.
    case ebook
    /// HTML5 simulation: a zip with an entry page.
    case simulation
    /// SCORM 1.2 or cmi5 package: a zip with its manifest.
    case package
    /// A page elsewhere on the web; no file.
    case link
    /// A lesson broadcast on television: a video plus date and channel.
    case tvLesson

    /// File types (sniffed from content) a resource of this kind may hold.
    public var acceptedFiles: Set<FileKind> {
        switch self {
        case .document: [.pdf, .docx, .pptx, .xlsx]
        case .video, .tvLesson: [.mp4, .webm]
        // M4A audio is an MP4 container.
        case .audio: [.mp3, .ogg, .wav, .mp4]
        case .image: [.png, .jpeg, .gif, .webp, .svg]
        case .ebook: [.epub, .pdf]
        case .simulation, .package: [.zip]
        case .link: []
        }
    }

    public var needsFile: Bool { self != .link }
    public var isVideo: Bool { self == .video || self == .tvLesson }
}

/// The workflow state of a resource's latest version. What others see is the published
/// version, which stays visible while a newer version goes through review.
public enum ResourceStatus: String, Sendable, Codable, CaseIterable {
    case draft, submitted, inReview, changesRequested, published, withdrawn
}

/// Where a resource is published: everyone under that organisation sees it; a national
/// resource is public without signing in.
public enum PublishLevel: String, Sendable, Codable, CaseIterable {
    case school, district, province, nation

    public init?(kind: OrgKind) {
        switch kind {
        case .school, .university, .provider: self = .school
        case .district: self = .district
        case .province: self = .province
        case .nation: self = .nation
        default: return nil
        }
    }
}

/// Licences a resource may carry (SPDX identifiers where SPDX has one).
public enum Licence: String, Sendable, Codable, CaseIterable {
    case ccBy = "CC-BY-4.0"
    case ccBySa = "CC-BY-SA-4.0"
    case ccByNc = "CC-BY-NC-4.0"
    case ccByNcSa = "CC-BY-NC-SA-4.0"
    case ccByNd = "CC-BY-ND-4.0"
    case ccByNcNd = "CC-BY-NC-ND-4.0"
    case cc0 = "CC0-1.0"
    case publicDomain = "public-domain"
    case allRightsReserved = "all-rights-reserved"

    /// The licence deed, for Dublin Core `rights` and the resource page.
    public var url: String? {
        switch self {
        case .ccBy: "https://creativecommons.org/licenses/by/4.0/"
        case .ccBySa: "https://creativecommons.org/licenses/by-sa/4.0/"
        case .ccByNc: "https://creativecommons.org/licenses/by-nc/4.0/"
        case .ccByNcSa: "https://creativecommons.org/licenses/by-nc-sa/4.0/"
        case .ccByNd: "https://creativecommons.org/licenses/by-nd/4.0/"
        case .ccByNcNd: "https://creativecommons.org/licenses/by-nc-nd/4.0/"
        case .cc0: "https://creativecommons.org/publicdomain/zero/1.0/"
        case .publicDomain: "https://creativecommons.org/publicdomain/mark/1.0/"
        case .allRightsReserved: nil
        }
    }
}
