using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Tidings.Http.Common;

/// <summary>
/// JSON bodies must say they are JSON, as RabbitMQ's API asks. A browser sends text/plain, form
/// and multipart bodies across origins without asking the server first (a "simple" request),
/// but never application/json, so requiring it keeps forged forms out even where Origin is missing.
/// </summary>
public static class JsonContentType
{
    /// <summary>True for application/json and application/*+json, with or without parameters such as charset.</summary>
    public static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media)) return false;
        var type = media.MediaType;
        if (type.Equals("application/json", StringComparison.OrdinalIgnoreCase)) return true;
        return type.StartsWith("application/", StringComparison.OrdinalIgnoreCase)
               && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The 415 for a non-empty body that is not declared as JSON.</summary>
    public static IResult Unsupported(string? contentType) =>
        HttpErrors.UnsupportedMediaType(contentType is null
            ? "a JSON body needs the header Content-Type: application/json"
            : $"Content-Type '{contentType}' is not JSON; send the body as application/json");
}
