using System.Globalization;
using System.Text;
using Tidings.Core.Messages;

namespace Tidings.Sqs.Messages;

/// <summary>
/// Core message ↔ SQS message, by the rules of docs/MESSAGES.md: message attributes are headers
/// holding <see cref="AttributeValue"/>s of their exact data type; SQS's own facts about a
/// message are the <see cref="SqsHeaders"/>; a message published over another protocol shows its
/// text and number headers as String and Number attributes, and a body that is not SQS text
/// base64-encoded (with the attribute <see cref="SqsHeaders.BodyEncoding"/> saying so).
/// </summary>
public static class SqsMessageMapping
{
    /// <summary>What SendMessage was asked to store, validated.</summary>
    public sealed record Outgoing(
        string Body,
        IReadOnlyList<SqsAttribute> Attributes,
        string? TraceHeader,
        string? GroupId,
        string? DeduplicationId,
        string? SequenceNumber,
        string SenderId);

    /// <summary>The core message for a send to <paramref name="queueName"/>: durable, with a new message id and the retention as its time to live.</summary>
    public static Message ToMessage(string queueName, string messageId, Outgoing send, long nowMs, int retentionSeconds)
    {
        var headers = new List<MessageHeader>(send.Attributes.Count + 5);
        foreach (var attribute in send.Attributes)
        {
            object value = attribute.IsBinary ? attribute.BinaryValue ?? [] : attribute.StringValue ?? "";
            headers.Add(new MessageHeader(attribute.Name, new AttributeValue(attribute.DataType, value)));
        }
        if (send.GroupId is not null) headers.Add(new MessageHeader(SqsHeaders.MessageGroupId, send.GroupId));
        if (send.DeduplicationId is not null) headers.Add(new MessageHeader(SqsHeaders.DeduplicationId, send.DeduplicationId));
        if (send.SequenceNumber is not null) headers.Add(new MessageHeader(SqsHeaders.SequenceNumber, send.SequenceNumber));
        if (send.TraceHeader is not null) headers.Add(new MessageHeader(SqsHeaders.TraceHeader, send.TraceHeader));
        headers.Add(new MessageHeader(SqsHeaders.SenderId, send.SenderId));
        var properties = new MessageProperties
        {
            Durable = true,
            MessageId = messageId,
            TimestampMs = nowMs,
            TimeToLiveMs = retentionSeconds * 1000L,
            Headers = new MessageHeaders(headers),
        };
        return new Message("", queueName, properties, Encoding.UTF8.GetBytes(send.Body));
    }

    /// <summary>The body as SQS text, and whether it had to be base64-encoded.</summary>
    public static (string Body, bool Base64) BodyOf(Message message)
    {
        string? text = MessageText.TryDecode(message.Body.Span);
        return text is not null ? (text, false) : (Convert.ToBase64String(message.Body.Span), true);
    }

    /// <summary>
    /// The message attributes selected by <paramref name="names"/> ("All", ".*", exact names, or
    /// "prefix.*"), sorted by name as AWS returns them.
    /// </summary>
    public static List<SqsAttribute> AttributesOf(Message message, IReadOnlyList<string> names, bool base64Body)
    {
        var list = new List<SqsAttribute>();
        if (names.Count == 0) return list;
        if (message.Properties.Headers is { } headers)
        {
            foreach (var (name, value) in headers.FirstValues())
            {
                if (SqsHeaders.IsSystem(name) || !Selected(name, names)) continue;
                if (ToAttribute(name, value) is { } attribute) list.Add(attribute);
            }
        }
        if (base64Body && Selected(SqsHeaders.BodyEncoding, names))
            list.Add(new SqsAttribute(SqsHeaders.BodyEncoding, "String", "base64", null));
        list.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return list;
    }

    /// <summary>A header value as an SQS attribute; null for values SQS cannot carry (tables, arrays, null).</summary>
    public static SqsAttribute? ToAttribute(string name, object? value) => value switch
    {
        AttributeValue a when a.Binary is { } bytes => new SqsAttribute(name, a.DataType, null, bytes),
        AttributeValue a => new SqsAttribute(name, a.DataType, a.Text ?? "", null),
        string s => new SqsAttribute(name, "String", s, null),
        bool b => new SqsAttribute(name, "String", b ? "true" : "false", null),
        sbyte or byte or short or ushort or int or uint or long or ulong =>
            new SqsAttribute(name, "Number", Convert.ToString(value, CultureInfo.InvariantCulture), null),
        float f => new SqsAttribute(name, "Number", f.ToString("R", CultureInfo.InvariantCulture), null),
        double d => new SqsAttribute(name, "Number", d.ToString("R", CultureInfo.InvariantCulture), null),
        decimal m => new SqsAttribute(name, "Number", m.ToString(CultureInfo.InvariantCulture), null),
        DateTimeOffset t => new SqsAttribute(name, "Number", t.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), null),
        byte[] bytes => new SqsAttribute(name, "Binary", null, bytes),
        RawText raw => new SqsAttribute(name, "Binary", null, raw.Bytes),
        _ => null,
    };

    private static bool Selected(string name, IReadOnlyList<string> names)
    {
        foreach (var pattern in names)
        {
            if (pattern is "All" or ".*" || pattern == name) return true;
            if (pattern.EndsWith(".*", StringComparison.Ordinal) &&
                name.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>A text header of the message, or null.</summary>
    public static string? Header(Message message, string name) =>
        message.Properties.Headers?.GetValueOrDefault(name) switch
        {
            string s => s,
            AttributeValue { Text: { } t } => t,
            _ => null,
        };
}
