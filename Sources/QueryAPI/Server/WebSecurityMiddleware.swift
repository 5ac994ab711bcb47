import HTTPTypes
import Hummingbird

/// Applies `--web.config.file` to every request, the probes included, as Prometheus does: a
/// request without valid basic-auth credentials gets 401 (after the bcrypt check, the same for an
/// unknown user as for a wrong password), and every answer carries the configured headers.
struct WebSecurityMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let security: WebSecurity

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        if security.requiresAuthentication {
            if let user = security.authenticatedUser(request.headers[.authorization]) {
                var context = context
                context.user = user
                response = try await next(request, context)
            } else {
                response = APIServer.text("Unauthorized\n", status: .unauthorized)
                response.headers[.wwwAuthenticate] = "Basic"
            }
        } else {
            response = try await next(request, context)
        }
        for (name, value) in security.headers {
            if let field = HTTPField.Name(name) { response.headers[field] = value }
        }
        return response
    }
}
