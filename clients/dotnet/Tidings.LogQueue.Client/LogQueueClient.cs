using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Tidings.LogQueue.Client;

/// <summary>
/// The logging-queue API over one <see cref="HttpClient"/> (keep-alive connections are reused).
/// Every method throws <see cref="LogQueueException"/> for a failure answer, except
/// <see cref="TryGetNextAsync"/>, which reports "nothing new" as null.
/// </summary>
public sealed class LogQueueClient : IDisposable
{
    // The connection pool; owned (disposed with this client) unless the caller passed it in.
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    /// <param name="baseAddress">The API's root: <c>http://host:15672/logqueue/</c>, or a listener of its own's <c>http://host:5050/</c>.</param>
    /// <param name="user">Basic credentials; null sends none (the broker's default user, from loopback only).</param>
    /// <param name="password">The password of <paramref name="user"/>.</param>
    public LogQueueClient(Uri baseAddress, string? user = null, string? password = null)
        : this(new HttpClient { BaseAddress = WithSlash(baseAddress) }, ownsHttp: true)
    {
        if (user is not null)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
    }

    /// <summary>Uses <paramref name="http"/>, whose BaseAddress is the API's root, as it is configured.</summary>
    public LogQueueClient(HttpClient http, bool ownsHttp = false)
    {
        _http = http;
        _ownsHttp = ownsHttp;
    }

    /// <summary>Creates a topic; fails when it exists.</summary>
    public async Task CreateTopicAsync(string name, CancellationToken cancellation = default) =>
        (await SendAsync(HttpMethod.Post, "topics", Body(w => w.WriteString("name", name)), cancellation).ConfigureAwait(false)).Dispose();

    /// <summary>Every topic's name.</summary>
    public async Task<IReadOnlyList<string>> ListTopicsAsync(CancellationToken cancellation = default)
    {
        using var answer = await SendAsync(HttpMethod.Get, "topics", null, cancellation).ConfigureAwait(false);
        var topics = new List<string>();
        foreach (var topic in answer.RootElement.GetProperty("topics").EnumerateArray()) topics.Add(topic.GetString()!);
        return topics;
    }

    /// <summary>Registers a producer for <paramref name="topic"/> (created when missing) and returns its id.</summary>
    public async Task<long> RegisterProducerAsync(string topic, CancellationToken cancellation = default)
    {
        using var answer = await SendAsync(HttpMethod.Post, "producer/register", Body(w => w.WriteString("topic", topic)), cancellation).ConfigureAwait(false);
        return answer.RootElement.GetProperty("producer_id").GetInt64();
    }

    /// <summary>Registers a consumer of an existing <paramref name="topic"/>, reading from its start, and returns its id.</summary>
    public async Task<long> RegisterConsumerAsync(string topic, CancellationToken cancellation = default)
    {
        using var answer = await SendAsync(HttpMethod.Post, "consumer/register", Body(w => w.WriteString("topic", topic)), cancellation).ConfigureAwait(false);
        return answer.RootElement.GetProperty("consumer_id").GetInt64();
    }

    /// <summary>Appends <paramref name="message"/>; returns once the broker has it on disk.</summary>
    public async Task SendAsync(string topic, long producerId, string message, CancellationToken cancellation = default) =>
        (await SendAsync(HttpMethod.Post, "producer/produce", Body(w =>
        {
            w.WriteString("topic", topic);
            w.WriteNumber("producer_id", producerId);
            w.WriteString("message", message);
        }), cancellation).ConfigureAwait(false)).Dispose();

    /// <summary>The consumer's next message, its position advanced past it; null when it has read everything.</summary>
    public async Task<string?> TryGetNextAsync(string topic, long consumerId, CancellationToken cancellation = default)
    {
        using var answer = await SendAsync(HttpMethod.Get, "consumer/consume", ConsumerBody(topic, consumerId), cancellation, emptyIsNull: true)
            .ConfigureAwait(false);
        return answer?.RootElement.GetProperty("message").GetString();
    }

    /// <summary>The consumer's next message; a <see cref="LogQueueException"/> when there is none.</summary>
    public async Task<string> GetNextAsync(string topic, long consumerId, CancellationToken cancellation = default)
    {
        using var answer = await SendAsync(HttpMethod.Get, "consumer/consume", ConsumerBody(topic, consumerId), cancellation).ConfigureAwait(false);
        return answer.RootElement.GetProperty("message").GetString()!;
    }

    /// <summary>How many messages the consumer has not read yet.</summary>
    public async Task<long> SizeAsync(string topic, long consumerId, CancellationToken cancellation = default)
    {
        using var answer = await SendAsync(HttpMethod.Get, "size", ConsumerBody(topic, consumerId), cancellation).ConfigureAwait(false);
        return answer.RootElement.GetProperty("size").GetInt64();
    }

    /// <summary>Whether the consumer has a message left to read.</summary>
    public async Task<bool> HasNextAsync(string topic, long consumerId, CancellationToken cancellation = default) =>
        await SizeAsync(topic, consumerId, cancellation).ConfigureAwait(false) > 0;

    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }

    private static ByteArrayContent ConsumerBody(string topic, long consumerId) => Body(w =>
    {
        w.WriteString("topic", topic);
        w.WriteNumber("consumer_id", consumerId);
    });

    private static ByteArrayContent Body(Action<Utf8JsonWriter> fields)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            fields(json);
            json.WriteEndObject();
        }
        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private Task<JsonDocument> SendAsync(HttpMethod method, string path, HttpContent? body, CancellationToken cancellation) =>
        SendAsync(method, path, body, cancellation, emptyIsNull: false)!;

    /// <summary>One call; the success answer's document, or null for "no new messages" when <paramref name="emptyIsNull"/>.</summary>
    private async Task<JsonDocument?> SendAsync(HttpMethod method, string path, HttpContent? body, CancellationToken cancellation, bool emptyIsNull)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body };
        using var response = await _http.SendAsync(request, cancellation).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellation).ConfigureAwait(false);
        JsonDocument answer;
        try
        {
            answer = JsonDocument.Parse(bytes);
        }
        catch (JsonException)
        {
            throw new LogQueueException(response.StatusCode, $"not a logging-queue answer ({(int)response.StatusCode}): {Encoding.UTF8.GetString(bytes)}");
        }
        if (answer.RootElement.TryGetProperty("status", out var status) && status.GetString() == "success") return answer;
        string message = answer.RootElement.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "failure";
        answer.Dispose();
        // Only the broker's "nothing left" is a null: a 400 that says so, on a consume.
        if (emptyIsNull && response.StatusCode == HttpStatusCode.BadRequest && message.StartsWith("no new messages", StringComparison.Ordinal)) return null;
        throw new LogQueueException(response.StatusCode, message);
    }

    private static Uri WithSlash(Uri address) =>
        address.AbsoluteUri.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/");
}
