namespace ActorSpool.Node.Web.Api;

/// <summary>The REST API's errors as RFC 9457 problem details, one place for their titles and the 401 challenge rule.</summary>
public static class ApiProblems
{
    /// <summary>The header the console's own fetches send: they get no Basic challenge, so browsers show no password dialog.</summary>
    public const string FetchHeader = "X-Requested-With";

    public const string Realm = "ActorSpool";

    public static IResult BadRequest(string detail, string? parameter = null) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: detail,
            extensions: parameter is null ? null : new Dictionary<string, object?> { ["parameter"] = parameter });

    public static IResult BadParameter(BadParameter bad) => BadRequest($"{bad.Parameter}: {bad.Detail}", bad.Parameter);

    public static IResult NotFound(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);

    public static IResult Forbidden(string detail, string title = "Not allowed") =>
        Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: title, detail: detail);

    public static IResult Conflict(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not possible now", detail: detail);

    public static IResult Unavailable(string detail, string title = "Not answering") =>
        Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: title, detail: detail);

    /// <summary>
    /// 401, with <c>WWW-Authenticate: Basic</c> only for clients that sent no cookie and are not the console's fetches:
    /// scripts and curl learn the scheme, a browser page gets no password dialog.
    /// </summary>
    public static IResult Unauthorized(HttpContext http, string detail)
    {
        if (WantsChallenge(http.Request)) http.Response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\"";
        return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Login required", detail: detail);
    }

    public static bool WantsChallenge(HttpRequest request) =>
        request.Headers.Cookie.Count == 0 && !string.Equals(request.Headers[FetchHeader], "fetch", StringComparison.OrdinalIgnoreCase);
}
