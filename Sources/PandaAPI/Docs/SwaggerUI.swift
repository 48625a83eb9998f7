import Foundation

/// Swagger UI served offline: the page at `/swagger-ui.html` and its assets under
/// `/swagger-ui/`, read from a directory holding the contents of the pip package
/// `swagger-ui-bundle`'s `swagger_ui_path` (copied there by `make vendor`). Nothing is
/// fetched from a CDN, and the spec validator badge (which calls validator.swagger.io) is off.
///
/// The assets are read once, when this value is made (at start-up): requests are answered
/// from memory on the server thread, never from the disk.
public struct SwaggerUI: Sendable {
    /// Where `make vendor` installs the assets by default, relative to the working directory.
    public static let defaultAssetDirectory = "vendor/swagger-ui"
    /// The URL path under which `asset(named:)` is served; the page loads its files from here.
    public static let assetPathPrefix = "/swagger-ui/"

    /// The files that may be served, with their content types. Only these names are ever
    /// looked up, so a request can name nothing else on disk (no `../`, no subdirectories).
    public static let assetContentTypes: [String: String] = [
        "swagger-ui.css": "text/css; charset=utf-8",
        "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
        "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
        "favicon-16x16.png": "image/png",
        "favicon-32x32.png": "image/png",
        "oauth2-redirect.html": "text/html; charset=utf-8",
        // Source maps, fetched only by browser developer tools.
        "swagger-ui.css.map": "application/json; charset=utf-8",
        "swagger-ui-bundle.js.map": "application/json; charset=utf-8",
        "swagger-ui-standalone-preset.js.map": "application/json; charset=utf-8",
    ]

    /// The files the page cannot work without.
    static let requiredAssets = ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"]

    public let assetDirectory: String
    /// The allowlisted files found in `assetDirectory`, as read at start-up.
    private let assets: [String: (body: [UInt8], contentType: String)]

    public init(assetDirectory: String = SwaggerUI.defaultAssetDirectory) {
        self.assetDirectory = assetDirectory
        var assets: [String: (body: [UInt8], contentType: String)] = [:]
        for (name, contentType) in Self.assetContentTypes {
            let path = assetDirectory.hasSuffix("/") ? assetDirectory + name : assetDirectory + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let data = FileManager.default.contents(atPath: path) else { continue }
            assets[name] = (body: [UInt8](data), contentType: contentType)
        }
        self.assets = assets
    }

    /// Whether the files the page needs were present at start-up.
    public var isInstalled: Bool {
        Self.requiredAssets.allSatisfy { assets[$0] != nil }
    }

    /// The allowlisted asset `name` (a bare file name such as `swagger-ui.css`) and its
    /// content type; nil for any other name or when the file was missing or unreadable.
    public func asset(named name: String) -> (body: [UInt8], contentType: String)? {
        assets[name]
    }

    /// The HTML of `/swagger-ui.html`, showing the document at `specURL` (e.g. `/api-docs`).
    /// Every URL it references is on this server.
    public func page(specURL: String) -> String {
        let prefix = Self.assetPathPrefix
        return """
            <!DOCTYPE html>
            <html lang="en">
              <head>
                <meta charset="UTF-8">
                <title>Panda API — Swagger UI</title>
                <link rel="stylesheet" type="text/css" href="\(prefix)swagger-ui.css">
                <link rel="icon" type="image/png" href="\(prefix)favicon-32x32.png" sizes="32x32">
                <link rel="icon" type="image/png" href="\(prefix)favicon-16x16.png" sizes="16x16">
                <style>
                  html { box-sizing: border-box; overflow-y: scroll; }
                  *, *:before, *:after { box-sizing: inherit; }
                  body { margin: 0; background: #fafafa; }
                  #swagger-ui > p { font-family: sans-serif; margin: 2em; }
                </style>
              </head>
              <body>
                <div id="swagger-ui">
                  <p>Loading Swagger UI… If this message stays, its assets are not installed on the server
                  (<code>make vendor</code>); the OpenAPI document is at <a href="\(Self.htmlEscaped(specURL))">\(Self.htmlEscaped(specURL))</a>.</p>
                </div>
                <script src="\(prefix)swagger-ui-bundle.js" charset="UTF-8"></script>
                <script src="\(prefix)swagger-ui-standalone-preset.js" charset="UTF-8"></script>
                <script>
                  window.onload = function () {
                    window.ui = SwaggerUIBundle({
                      url: \(Self.javaScriptString(specURL)),
                      dom_id: "#swagger-ui",
                      deepLinking: true,
                      validatorUrl: null,
                      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
                      plugins: [SwaggerUIBundle.plugins.DownloadUrl],
                      layout: "StandaloneLayout"
                    });
                  };
                </script>
              </body>
            </html>

            """
    }

    /// Text safe inside an HTML attribute or element.
    static func htmlEscaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A double-quoted JavaScript string literal that cannot end the surrounding `<script>`.
    static func javaScriptString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            case let control where control.value < 0x20:
                out += String(format: "\\u%04x", control.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
