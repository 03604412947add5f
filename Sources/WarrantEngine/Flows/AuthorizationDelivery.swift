import Foundation
import SpecRuntime

/// Delivers an authorization response (success or error) to the client's redirect URI, as the response
/// mode asks: in the query, in the fragment, or as an HTML form that posts itself (form_post).
enum AuthorizationDelivery: Equatable {
    /// Redirect with 302 to this URL.
    case location(String)
    /// Answer 200 with this HTML page.
    case form(String)

    static func deliver(_ parameters: [(String, String)], to redirection: Redirection, issuer: String?) -> AuthorizationDelivery {
        var all = parameters
        if let state = redirection.state { all.append(("state", state)) }
        // RFC 9207: the issuer in every authorization response, so clients can detect mix-up attacks.
        if let issuer { all.append(("iss", issuer)) }
        switch redirection.baseMode {
        case "form_post":
            return .form(formPage(action: redirection.uri, parameters: all))
        case "fragment":
            return .location(redirection.uri + "#" + FormEncoding.encode(all))
        default:
            let separator = redirection.uri.contains("?") ? "&" : "?"
            return .location(redirection.uri + separator + FormEncoding.encode(all))
        }
    }

    /// OAuth 2.0 Form Post Response Mode: a page that submits the parameters to the redirect URI at once.
    static func formPage(action: String, parameters: [(String, String)]) -> String {
        let inputs = parameters.map { "<input type=\"hidden\" name=\"\(escape($0.0))\" value=\"\(escape($0.1))\">" }.joined(separator: "\n")
        return """
            <!DOCTYPE html>
            <html>
            <head><meta charset="utf-8"><title>Submitting…</title></head>
            <body onload="document.forms[0].submit()">
            <form method="post" action="\(escape(action))">
            \(inputs)
            <noscript><button type="submit">Continue</button></noscript>
            </form>
            </body>
            </html>
            """
    }

    private static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
