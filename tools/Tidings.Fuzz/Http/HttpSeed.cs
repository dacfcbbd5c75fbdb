using System.Text.Json.Nodes;

namespace Tidings.Fuzz.Http;

/// <summary>A valid request to start mutating from: method, path segments below the root, JSON body (null: none).</summary>
internal sealed record HttpSeed(string Method, string[] Segments, JsonNode? Body)
{
    public HttpSeed(string method, string path, string? body)
        : this(method, path.Split('/'), body is null ? null : JsonNode.Parse(body))
    {
    }

    public HttpCase ToCase() =>
        new(Method, "/" + string.Join('/', Segments), Body is null ? [] : System.Text.Encoding.UTF8.GetBytes(Body.ToJsonString()));
}
