using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Tidings.Server.Cli;

/// <summary>
/// The management verbs' view of a running broker: an <see cref="HttpClient"/> for its
/// RabbitMQ-compatible management API (HTTP Basic auth, JSON). Any answer other than 2xx becomes a
/// <see cref="ManagementApiException"/> whose one-line message carries RabbitMQ's
/// <c>{"error","reason"}</c>, so the verbs can print it and exit 1.
/// </summary>
internal sealed class ManagementClient : IDisposable
{
    public const string DefaultApiUrl = "http://127.0.0.1:15672";

    /// <summary>How long one request may take; definitions of a large broker take a while.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    public static Flag ApiUrl { get; } = new("--api-url", "url", "Management API of the broker to talk to.")
    {
        Default = DefaultApiUrl,
        Validate = value => Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? null
            : "expected an http:// or https:// URL",
    };

    public static Flag User { get; } = new("--user", "name", "User to log in to the management API as.")
    {
        Default = "guest",
        Validate = FlagValues.NotEmpty,
    };

    public static Flag Password { get; } = new("--password", "password", "Password of --user.") { Default = "guest" };

    /// <summary>The virtual host a listing shows.</summary>
    public static Flag Vhost { get; } = new("--vhost", "name", "Virtual host to list.") { Default = "/" };

    /// <summary>The flags every management verb takes, first in its flag list.</summary>
    public static IReadOnlyList<Flag> ConnectionFlags { get; } = [ApiUrl, User, Password];

    /// <summary>Owned; the base address ends with '/' so relative paths like "api/queues" append to it.</summary>
    private readonly HttpClient _http;

    private ManagementClient(Uri baseAddress, string user, string password)
    {
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = RequestTimeout };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    /// <summary>
    /// Runs a management verb: builds the client from the flags and turns API errors, an unreachable
    /// broker and timeouts into one line on stderr and exit code 1.
    /// </summary>
    public static async Task<int> RunAsync(VerbInvocation invocation, Func<ManagementClient, Task<int>> run)
    {
        var args = invocation.Arguments;
        string url = args[ApiUrl.Name] ?? DefaultApiUrl;
        var baseAddress = new Uri(url.EndsWith('/') ? url : url + "/");
        using var client = new ManagementClient(baseAddress, args[User.Name] ?? "guest", args[Password.Name] ?? "guest");
        string? failure;
        try
        {
            return await run(client).ConfigureAwait(false);
        }
        catch (ManagementApiException e)
        {
            failure = e.Message;
        }
        catch (HttpRequestException e)
        {
            failure = $"cannot reach the management API at {baseAddress}: {e.Message}";
        }
        catch (TaskCanceledException)
        {
            failure = $"the management API at {baseAddress} did not answer within {RequestTimeout.TotalSeconds:0} s";
        }
        await invocation.Error.WriteLineAsync($"tidings {args.Verb.Name}: {OneLine(failure)}").ConfigureAwait(false);
        return ExitCodes.Failure;
    }

    /// <summary>A path segment for a virtual host or object name: "/" becomes "%2F", as RabbitMQ expects.</summary>
    public static string Segment(string name) => Uri.EscapeDataString(name);

    /// <summary>GETs a JSON document, e.g. "api/definitions".</summary>
    public async Task<JsonElement> GetAsync(string path)
    {
        using var response = await _http.GetAsync(path).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "GET", path).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(bytes);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ManagementApiException($"GET /{path}: the answer is not JSON ({e.Message})");
        }
    }

    /// <summary>
    /// GETs a listing such as "api/queues/%2F": a JSON array, or RabbitMQ's paginated object, whose
    /// "items" are returned.
    /// </summary>
    public async Task<IReadOnlyList<JsonElement>> GetListAsync(string path)
    {
        var root = await GetAsync(path).ConfigureAwait(false);
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("items", out var items)) root = items;
        if (root.ValueKind != JsonValueKind.Array)
            throw new ManagementApiException($"GET /{path}: expected a JSON array, got {root.ValueKind}");
        return [.. root.EnumerateArray()];
    }

    /// <summary>POSTs a JSON body; any 2xx is success.</summary>
    public async Task PostJsonAsync(string path, byte[] json)
    {
        using var content = new ByteArrayContent(json);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.PostAsync(path, content).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "POST", path).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>A field of an API object as table text: strings as they are, numbers and booleans as JSON writes them, "" when absent.</summary>
    public static string Text(JsonElement item, string property)
    {
        if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty(property, out var value)) return "";
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() ?? "",
            JsonValueKind.Null or JsonValueKind.Undefined => "",
            _ => value.GetRawText(),
        };
    }

    /// <summary>Throws with "401 not_authorised: Login failed" (RabbitMQ's error JSON) or the status line.</summary>
    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string method, string path)
    {
        if (response.IsSuccessStatusCode) return;
        string body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        int status = (int)response.StatusCode;
        string detail = $"{status} {response.ReasonPhrase ?? ((HttpStatusCode)status).ToString()}";
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                string? error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                string? reason = root.TryGetProperty("reason", out var r) ? (r.ValueKind == JsonValueKind.String ? r.GetString() : r.GetRawText()) : null;
                if (error is not null || reason is not null)
                    detail = $"{status} {error ?? response.ReasonPhrase}: {reason ?? ""}".TrimEnd(' ', ':');
            }
        }
        catch (JsonException)
        {
            if (body.Length > 0) detail += ": " + (body.Length > 200 ? body[..200] + "…" : body);
        }
        throw new ManagementApiException($"{method} /{path} failed: {detail}");
    }

    private static string OneLine(string text) =>
        text.ReplaceLineEndings(" ").Trim();
}
