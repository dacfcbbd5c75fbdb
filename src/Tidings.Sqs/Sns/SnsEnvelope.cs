using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tidings.Sqs.Sns;

/// <summary>
/// The JSON notification SNS puts in an SQS message body when RawMessageDelivery is false, in AWS's
/// key order and layout (two-space indent, " : " between name and value, as SNS sends it).
/// </summary>
public static class SnsEnvelope
{
    // Escapes only what JSON requires (quotes, backslash, controls), leaving non-ASCII text readable
    // as SNS does; characters outside the BMP still come out as \u surrogate pairs, which is valid JSON.
    private static readonly JavaScriptEncoder s_encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>
    /// Builds the notification document: Type "Notification", MessageId, TopicArn, Subject (only when
    /// not null), Message, Timestamp (UTC, ISO 8601 with milliseconds and "Z"), SignatureVersion "1",
    /// Signature, SigningCertURL, UnsubscribeURL and MessageAttributes (only when there are any, each
    /// as {"Type": data type, "Value": text}; a Binary value is its base64 text).
    /// </summary>
    /// <remarks>
    /// We hold no AWS signing key, so Signature is not an RSA signature: it is the base64 SHA-1 digest
    /// of the string SNS would sign for SignatureVersion 1 (Message, MessageId, Subject when present,
    /// Timestamp, TopicArn, Type, each name and value on its own line). It is deterministic and shaped
    /// like AWS's field; clients that verify signatures against the certificate will reject it.
    /// </remarks>
    public static string Build(string messageId, string topicArn, string? subject, string message,
        DateTimeOffset timestamp, IReadOnlyDictionary<string, SnsAttributeValue> attributes,
        string unsubscribeUrl, string signingCertUrl)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var time = timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

        var json = new StringBuilder(256 + message.Length);
        json.Append("{\n");
        Pair(json, "Type", "Notification");
        Pair(json, "MessageId", messageId);
        Pair(json, "TopicArn", topicArn);
        if (subject is not null)
        {
            Pair(json, "Subject", subject);
        }

        Pair(json, "Message", message);
        Pair(json, "Timestamp", time);
        Pair(json, "SignatureVersion", "1");
        Pair(json, "Signature", Signature(messageId, topicArn, subject, message, time));
        Pair(json, "SigningCertURL", signingCertUrl);
        Pair(json, "UnsubscribeURL", unsubscribeUrl, last: attributes.Count == 0);
        if (attributes.Count > 0)
        {
            json.Append("  \"MessageAttributes\" : {");
            var first = true;
            foreach (var (name, attribute) in attributes)
            {
                json.Append(first ? "\n" : ",\n");
                first = false;
                json.Append("    ").Append(Quote(name)).Append(" : {\"Type\":").Append(Quote(attribute.DataType))
                    .Append(",\"Value\":").Append(Quote(attribute.Value)).Append('}');
            }

            json.Append("\n  }\n");
        }

        json.Append('}');
        return json.ToString();
    }

    private static void Pair(StringBuilder json, string name, string value, bool last = false) =>
        json.Append("  \"").Append(name).Append("\" : ").Append(Quote(value)).Append(last ? "\n" : ",\n");

    private static string Quote(string value) => JsonSerializer.Serialize(value, s_options);

    private static readonly JsonSerializerOptions s_options = new() { Encoder = s_encoder };

    private static string Signature(string messageId, string topicArn, string? subject, string message, string time)
    {
        var canonical = new StringBuilder();
        canonical.Append("Message\n").Append(message).Append('\n');
        canonical.Append("MessageId\n").Append(messageId).Append('\n');
        if (subject is not null)
        {
            canonical.Append("Subject\n").Append(subject).Append('\n');
        }

        canonical.Append("Timestamp\n").Append(time).Append('\n');
        canonical.Append("TopicArn\n").Append(topicArn).Append('\n');
        canonical.Append("Type\nNotification\n");

        // SHA-1 only because SignatureVersion 1 names it; this is a placeholder, not a security measure.
#pragma warning disable CA5350
        return Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
#pragma warning restore CA5350
    }
}
