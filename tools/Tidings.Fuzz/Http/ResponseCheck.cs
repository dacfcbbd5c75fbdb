using System.Text.Json;

namespace Tidings.Fuzz.Http;

/// <summary>
/// What a response must look like whatever the request was: never a 5xx (503 for a resource
/// alarm excepted, which the fuzz brokers never raise), and every error status with a JSON body.
/// </summary>
internal static class ResponseCheck
{
    public static Failure? Inspect(HttpCase request, int status, string? contentType, byte[] body)
    {
        string shown = $"{request.Method} {Shorten(request.Target)} → {status} {contentType}: {Shorten(System.Text.Encoding.UTF8.GetString(body))}";
        if (status >= 500) return new Failure($"HTTP {status} from {request.Method} {Route(request.Target)}", shown);
        if (status >= 400)
        {
            if (contentType is null || !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
                return new Failure($"HTTP {status} without a JSON content type from {request.Method} {Route(request.Target)}", shown);
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                    return new Failure($"HTTP {status} with a non-object JSON body from {request.Method} {Route(request.Target)}", shown);
            }
            catch (JsonException)
            {
                return new Failure($"HTTP {status} with an unparseable body from {request.Method} {Route(request.Target)}", shown);
            }
        }
        return null;
    }

    /// <summary>The first two path segments: groups failures by endpoint, not by the names in the path.</summary>
    private static string Route(string target)
    {
        var segments = target.Split('?')[0].Split('/', StringSplitOptions.RemoveEmptyEntries);
        int head = segments.Length > 1 && segments[1] == "rest" ? 3 : 2;
        return "/" + string.Join('/', segments.Take(head)) + (segments.Length > head ? "/…/" + segments[^1] : "");
    }

    private static string Shorten(string text) => text.Length <= 600 ? text : text[..600] + $"… ({text.Length} chars)";
}
