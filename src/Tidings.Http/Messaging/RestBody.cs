using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Tidings.Http.Common;

namespace Tidings.Http.Messaging;

/// <summary>Reads a request's JSON body within a size limit.</summary>
internal static class RestBody
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64 };

    /// <summary>
    /// The body parsed as JSON, or null when it is empty. More than <paramref name="limit"/> bytes
    /// → 413 (<paramref name="tooLarge"/> explains); a body not declared as JSON → 415; malformed
    /// JSON or invalid UTF-8 → 400.
    /// </summary>
    public static async Task<JsonDocument?> ReadJsonAsync(HttpContext context, long limit, Func<long, string> tooLarge)
    {
        if (context.Request.ContentLength > 0 && !JsonContentType.IsJson(context.Request.ContentType))
            throw new RestException(JsonContentType.Unsupported(context.Request.ContentType), "not JSON");
        if (context.Request.ContentLength is { } declared && declared > limit) throw RestException.TooLarge(tooLarge(declared));
        // Kestrel's own limit (30 MB by default) would refuse large messages before ours.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = limit;

        var reader = context.Request.BodyReader;
        while (true)
        {
            System.IO.Pipelines.ReadResult result;
            try
            {
                result = await reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                throw RestException.TooLarge(tooLarge(limit + 1));
            }
            var buffer = result.Buffer;
            if (buffer.Length > limit)
            {
                reader.AdvanceTo(buffer.End);
                throw RestException.TooLarge(tooLarge(buffer.Length));
            }
            if (!result.IsCompleted)
            {
                reader.AdvanceTo(buffer.Start, buffer.End); // keep it all until the body is complete
                continue;
            }
            try
            {
                if (buffer.IsEmpty) return null;
                if (!JsonContentType.IsJson(context.Request.ContentType))
                    throw new RestException(JsonContentType.Unsupported(context.Request.ContentType), "not JSON");
                JsonDocument document;
                try
                {
                    document = JsonDocument.Parse(buffer, Options);
                }
                catch (JsonException e)
                {
                    throw RestException.BadRequest($"malformed JSON: {e.Message}");
                }
                if (Utf8Input.JsonProblem(buffer) is { } problem)
                {
                    document.Dispose();
                    throw RestException.BadRequest($"malformed JSON: {problem}");
                }
                return document;
            }
            finally
            {
                reader.AdvanceTo(buffer.End);
            }
        }
    }

    /// <summary>A small control body (get, ack, nack): at most <see cref="MessagingLimits.MaxControlMessageBytes"/>.</summary>
    public static Task<JsonDocument?> ReadControlAsync(HttpContext context) =>
        ReadJsonAsync(context, MessagingLimits.MaxControlMessageBytes,
            size => $"request body of {size} bytes is larger than the limit of {MessagingLimits.MaxControlMessageBytes} bytes");

    /// <summary>The root object of a control body, or an empty object for an empty body.</summary>
    public static JsonElement RootObject(JsonDocument? document)
    {
        if (document is null) return default;
        if (document.RootElement.ValueKind != JsonValueKind.Object) throw RestException.BadRequest("the body must be a JSON object");
        return document.RootElement;
    }

    /// <summary>The properties of <paramref name="root"/> (none when it is undefined, i.e. the body was empty).</summary>
    public static IEnumerable<JsonProperty> Fields(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object ? root.EnumerateObject() : [];

    public static bool Bool(JsonProperty field) => field.Value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw RestException.BadRequest($"{field.Name} must be true or false"),
    };

    public static long Integer(JsonProperty field, long min, long max)
    {
        if (field.Value.ValueKind != JsonValueKind.Number || !field.Value.TryGetInt64(out long value) || value < min || value > max)
            throw RestException.BadRequest($"{field.Name} must be an integer from {min} to {max}");
        return value;
    }

    /// <summary>A delivery tag: a positive integer.</summary>
    public static ulong DeliveryTag(JsonProperty field)
    {
        if (field.Value.ValueKind != JsonValueKind.Number || !field.Value.TryGetUInt64(out ulong tag) || tag == 0)
            throw RestException.BadRequest($"{field.Name} must be a delivery tag (a positive integer)");
        return tag;
    }

    public static string? String(JsonProperty field) => field.Value.ValueKind switch
    {
        JsonValueKind.String => field.Value.GetString(),
        JsonValueKind.Null => null,
        _ => throw RestException.BadRequest($"{field.Name} must be a string"),
    };
}
