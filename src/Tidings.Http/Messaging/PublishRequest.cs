using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Tidings.Core.Messages;

namespace Tidings.Http.Messaging;

/// <summary>
/// The body of POST …/exchanges/{exchange}/publish:
/// {"routing_key","payload","payload_encoding":"string|base64|json","properties":{…},"mandatory"}.
/// </summary>
internal sealed record PublishRequest(string RoutingKey, MessageProperties Properties, byte[] Body, bool Mandatory)
{
    public static PublishRequest Parse(JsonElement root, long maxMessageSize)
    {
        if (root.ValueKind != JsonValueKind.Object) throw RestException.BadRequest("the body must be a JSON object");
        string? routingKey = null, encoding = null;
        JsonElement? payload = null;
        var properties = MessageProperties.Empty;
        bool mandatory = false;
        foreach (var field in root.EnumerateObject())
        {
            switch (field.Name)
            {
                case "routing_key": routingKey = MessageJson.ShortString(field); break;
                case "payload": payload = field.Value; break;
                case "payload_encoding": encoding = RestBody.String(field); break;
                case "properties": properties = MessageJson.ReadProperties(field.Value); break;
                case "mandatory": mandatory = RestBody.Bool(field); break;
                default:
                    throw RestException.BadRequest($"unknown field '{field.Name}'; known: routing_key, payload, " +
                        "payload_encoding, properties, mandatory");
            }
        }
        if (routingKey is null) throw RestException.BadRequest("routing_key is required (use \"\" for none)");
        if (payload is not { } value) throw RestException.BadRequest("payload is required");

        encoding ??= value.ValueKind == JsonValueKind.String ? "string" : "json";
        byte[] body;
        switch (encoding)
        {
            case "string":
                if (value.ValueKind != JsonValueKind.String)
                    throw RestException.BadRequest("payload must be a string with payload_encoding 'string'");
                body = Encoding.UTF8.GetBytes(value.GetString()!);
                break;
            case "base64":
                if (value.ValueKind != JsonValueKind.String)
                    throw RestException.BadRequest("payload must be a string with payload_encoding 'base64'");
                if (!value.TryGetBytesFromBase64(out var decoded))
                    throw RestException.BadRequest("payload is not valid base64");
                body = decoded;
                break;
            case "json":
                // The JSON value itself, byte for byte as sent, is the message body.
                body = JsonMarshal.GetRawUtf8Value(value).ToArray();
                if (properties.ContentType is null) properties = WithContentType(properties, "application/json");
                break;
            default:
                throw RestException.BadRequest($"payload_encoding must be 'string', 'base64' or 'json', not '{encoding}'");
        }
        if (body.Length > maxMessageSize)
            throw RestException.TooLarge($"message size {body.Length} is larger than configured max size {maxMessageSize}");
        return new PublishRequest(routingKey, properties, body, mandatory);
    }

    private static MessageProperties WithContentType(MessageProperties p, string contentType) => p.With(contentType: contentType);
}
