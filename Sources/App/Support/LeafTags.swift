import Foundation
import Vapor
import Leaf
import Platform

/// `#t("key")` or `#t("key", arg0, arg1)`: localised text in the request's language.
struct LocalizeTag: LeafTag {
    func render(_ ctx: LeafContext) throws -> LeafData {
        guard let key = ctx.parameters.first?.string, let req = ctx.request else {
            throw Abort(.internalServerError, reason: "#t needs a key and a request")
        }
        let args = ctx.parameters.dropFirst().map { $0.string ?? "" }
        return .string(req.t(key, Array(args)))
    }
}

/// `#asset("app.css")`: the content-hashed URL of a static file.
struct AssetTag: LeafTag {
    func render(_ ctx: LeafContext) throws -> LeafData {
        guard let name = ctx.parameters.first?.string, let req = ctx.request else {
            throw Abort(.internalServerError, reason: "#asset needs a file name")
        }
        return .string(req.services.assets.url(name))
    }
}
