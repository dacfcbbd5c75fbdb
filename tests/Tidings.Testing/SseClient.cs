using System.Net;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Tidings.Testing;

/// <summary>A minimal EventSource: reads events from a streaming HTTP response.</summary>
public sealed class SseClient : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseClient(HttpResponseMessage response, StreamReader reader, JsonElement ready)
    {
        _response = response;
        _reader = reader;
        Ready = ready;
    }

    /// <summary>The data of the stream's first event ("ready").</summary>
    public JsonElement Ready { get; }

    public string StreamId => Ready.GetProperty("stream_id").GetString()!;

    /// <summary>Opens the stream and reads its "ready" event.</summary>
    public static async Task<SseClient> OpenAsync(HttpClient client, string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode != HttpStatusCode.OK)
            Assert.Fail($"{response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct), Encoding.UTF8);
        var ready = await ReadEventAsync(reader, ct);
        Assert.Equal("ready", ready.Type);
        return new SseClient(response, reader, ready.Json);
    }

    /// <summary>The next event, skipping comments (heartbeats).</summary>
    public Task<SseEvent> ReadEventAsync(CancellationToken ct) => ReadEventAsync(_reader, ct);

    /// <summary>The next event, which must be a message; returns its JSON.</summary>
    public async Task<JsonElement> ReadMessageAsync(CancellationToken ct)
    {
        var e = await ReadEventAsync(ct);
        Assert.Equal("message", e.Type);
        var json = e.Json;
        Assert.Equal(e.Id, json.GetProperty("delivery_tag").GetUInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
        return json;
    }

    private static async Task<SseEvent> ReadEventAsync(StreamReader reader, CancellationToken ct)
    {
        string? type = null, id = null;
        var data = new StringBuilder();
        while (true)
        {
            string line = await reader.ReadLineAsync(ct) ?? throw new EndOfStreamException("the event stream ended");
            if (line.Length == 0)
            {
                if (type is null && id is null && data.Length == 0) continue;
                return new SseEvent(type ?? "message", id, data.ToString());
            }
            if (line[0] == ':') continue;
            int colon = line.IndexOf(':');
            string field = colon < 0 ? line : line[..colon];
            string value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "event": type = value; break;
                case "id": id = value; break;
                case "data":
                    if (data.Length > 0) data.Append('\n');
                    data.Append(value);
                    break;
            }
        }
    }

    /// <summary>Drops the connection, as a closed browser tab does.</summary>
    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
