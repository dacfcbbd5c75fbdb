using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Tidings.LogQueue;

/// <summary>
/// Reads a request's fields with <see cref="Utf8JsonReader"/> straight off the body's buffers
/// (no DOM, no reflection) and from the query string, for GETs whose clients send parameters
/// either way (<c>requests.get(url, json=...)</c> puts them in a body). Unknown fields are ignored.
/// </summary>
internal static class LogQueueRequestReader
{
    /// <summary>The request's fields; a body larger than <paramref name="maxBodyBytes"/> is refused before it is read whole.</summary>
    public static async ValueTask<LogQueueRequest> ReadAsync(HttpRequest http, int maxMessageBytes, int maxBodyBytes)
    {
        var request = new LogQueueRequest();
        if (http.QueryString.HasValue) ReadQuery(http.Query, request, maxMessageBytes);
        if (http.ContentLength > maxBodyBytes)
        {
            request.Problem = TooLarge(maxMessageBytes);
            return request;
        }
        if (http.ContentLength == 0) return request;
        var reader = http.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(http.HttpContext.RequestAborted).ConfigureAwait(false);
            if (read.Buffer.Length > maxBodyBytes)
            {
                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                request.Problem = TooLarge(maxMessageBytes);
                return request;
            }
            if (read.IsCompleted || read.IsCanceled)
            {
                if (!read.Buffer.IsEmpty) ReadJson(read.Buffer, request, maxMessageBytes);
                reader.AdvanceTo(read.Buffer.End);
                return request;
            }
            // Not all of it yet: look at nothing, wait for more.
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    internal static string TooLarge(int maxMessageBytes) =>
        $"message too large: at most {maxMessageBytes.ToString(CultureInfo.InvariantCulture)} bytes (Tidings:LogQueue:MaxMessageBytes)";

    private static void ReadQuery(IQueryCollection query, LogQueueRequest request, int maxMessageBytes)
    {
        if (query.TryGetValue("name", out var name)) request.Name = name.ToString();
        if (query.TryGetValue("topic", out var topic)) request.Topic = topic.ToString();
        if (query.TryGetValue("producer_id", out var producer)) request.ProducerId = QueryId(producer.ToString(), "producer_id", request);
        if (query.TryGetValue("consumer_id", out var consumer)) request.ConsumerId = QueryId(consumer.ToString(), "consumer_id", request);
        if (query.TryGetValue("message", out var message))
        {
            // The same limit as a message in a body: a query string is bounded by Kestrel's request line, not by this API's setting.
            byte[] body = Encoding.UTF8.GetBytes(message.ToString());
            if (body.Length > maxMessageBytes) request.Problem ??= TooLarge(maxMessageBytes);
            else request.Message = body;
        }
    }

    private static long? QueryId(string text, string field, LogQueueRequest request)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long id)) return id;
        request.Problem ??= $"field '{field}' must be an integer (got '{text}')";
        return null;
    }

    /// <summary>Reads the body's object; any problem ends up in <see cref="LogQueueRequest.Problem"/>.</summary>
    internal static void ReadJson(ReadOnlySequence<byte> body, LogQueueRequest request, int maxMessageBytes)
    {
        var json = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 16 });
        try
        {
            if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
            {
                request.Problem = "the request body must be a JSON object";
                return;
            }
            while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
            {
                if (json.ValueTextEquals("name"u8)) request.Name = ReadString(ref json, "name", request);
                else if (json.ValueTextEquals("topic"u8)) request.Topic = ReadString(ref json, "topic", request);
                else if (json.ValueTextEquals("producer_id"u8)) request.ProducerId = ReadId(ref json, "producer_id", request);
                else if (json.ValueTextEquals("consumer_id"u8)) request.ConsumerId = ReadId(ref json, "consumer_id", request);
                else if (json.ValueTextEquals("message"u8)) request.Message = ReadMessage(ref json, request, maxMessageBytes);
                else
                {
                    json.Read();
                    json.Skip();
                }
                if (request.Problem is not null) return;
            }
            // Whatever follows the object must be nothing but whitespace.
            if (json.Read()) request.Problem = "malformed JSON: content after the object";
        }
        catch (JsonException e)
        {
            request.Problem = "malformed JSON: " + e.Message;
        }
        catch (InvalidOperationException)
        {
            // GetString and CopyString refuse text that is not valid UTF-8 or UTF-16 (a lone surrogate escape).
            request.Problem = "malformed JSON: a string is not valid Unicode";
        }
    }

    private static string? ReadString(ref Utf8JsonReader json, string field, LogQueueRequest request)
    {
        json.Read();
        if (json.TokenType == JsonTokenType.String) return json.GetString();
        if (json.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject) json.Skip();
        request.Problem = $"field '{field}' must be a string";
        return null;
    }

    private static long? ReadId(ref Utf8JsonReader json, string field, LogQueueRequest request)
    {
        json.Read();
        if (json.TokenType == JsonTokenType.Number && json.TryGetInt64(out long id)) return id;
        if (json.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject) json.Skip();
        request.Problem = $"field '{field}' must be an integer";
        return null;
    }

    /// <summary>The message as UTF-8: the raw bytes when nothing was escaped, else unescaped once.</summary>
    private static byte[]? ReadMessage(ref Utf8JsonReader json, LogQueueRequest request, int maxMessageBytes)
    {
        json.Read();
        if (json.TokenType != JsonTokenType.String)
        {
            if (json.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject) json.Skip();
            request.Problem = "field 'message' must be a string";
            return null;
        }
        long encoded = json.HasValueSequence ? json.ValueSequence.Length : json.ValueSpan.Length;
        // Unescaping only shrinks: a message whose escaped form fits fits; otherwise unescape and measure.
        byte[] body;
        if (!json.ValueIsEscaped)
        {
            if (encoded > maxMessageBytes)
            {
                request.Problem = TooLarge(maxMessageBytes);
                return null;
            }
            body = json.HasValueSequence ? json.ValueSequence.ToArray() : json.ValueSpan.ToArray();
        }
        else
        {
            var scratch = ArrayPool<byte>.Shared.Rent((int)encoded);
            try
            {
                int length = json.CopyString(scratch);
                if (length > maxMessageBytes)
                {
                    request.Problem = TooLarge(maxMessageBytes);
                    return null;
                }
                body = scratch.AsSpan(0, length).ToArray();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }
        if (!IsUtf8(body))
        {
            request.Problem = "field 'message' is not valid UTF-8";
            return null;
        }
        return body;
    }

    /// <summary>Whether <paramref name="bytes"/> is valid UTF-8 (a body produced over AMQP need not be).</summary>
    public static bool IsUtf8(ReadOnlySpan<byte> bytes) => System.Text.Unicode.Utf8.IsValid(bytes);

    /// <summary>A body that is not UTF-8, as text with replacement characters.</summary>
    public static string Lenient(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
