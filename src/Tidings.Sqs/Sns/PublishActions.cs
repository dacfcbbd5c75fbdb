using System.Globalization;
using System.Text;
using System.Text.Json;
using Tidings.Core.Messages;
using Tidings.Sqs.Messages;
using Tidings.Sqs.Protocol;
using Tidings.Sqs.Queues;

namespace Tidings.Sqs.Sns;

/// <summary>
/// Publish and PublishBatch. Each SQS subscription whose filter policy passes gets its own copy,
/// sent straight to its queue (the SNS JSON envelope, or with RawMessageDelivery the message itself
/// with its attributes as SQS message attributes); then the message is published to the topic's
/// fanout exchange for AMQP queues bound to it (body = the message, headers = the attributes as
/// <see cref="AttributeValue"/>s). The answer comes when every copy is durable.
/// </summary>
public static class PublishActions
{
    /// <summary>AWS's limit on a message with its attributes, and on a whole batch.</summary>
    public const int MaxMessageBytes = 256 * 1024;

    /// <summary>Header of the exchange copy carrying the Subject, when the publisher gave one.</summary>
    public const string SubjectHeader = "x-sns-subject";
    /// <summary>Header of the exchange copy carrying the topic ARN.</summary>
    public const string TopicArnHeader = "x-sns-topic-arn";

    /// <summary>One validated publish.</summary>
    private sealed record Prepared(string MessageId, string DefaultText, string SqsText, string? Subject,
        Dictionary<string, SnsAttributeValue> Attributes, List<SqsAttribute> SqsAttributes, long Size);

    public static async Task Publish(SqsRequest request)
    {
        var topic = Target(request);
        var prepared = Prepare(request.Input);
        await Deliver(request, topic, prepared).ConfigureAwait(false);
        request.Output.String("MessageId", prepared.MessageId);
    }

    public static async Task PublishBatch(SqsRequest request)
    {
        var topic = SnsAccess.Topic(request);
        var entries = request.Input.Entries("PublishBatchRequestEntries", "PublishBatchRequestEntries.member");
        if (entries.Count == 0) throw SnsErrors.EmptyBatchRequest();
        if (entries.Count > 10) throw SnsErrors.TooManyEntriesInBatchRequest();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            string id = entry.String("Id") ?? throw SnsErrors.InvalidBatchEntryId();
            if (id.Length is 0 or > 80 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) throw SnsErrors.InvalidBatchEntryId();
            if (!ids.Add(id)) throw SnsErrors.BatchEntryIdsNotDistinct();
        }
        var results = new List<(string Id, Prepared? Prepared, SqsException? Error)>();
        long total = 0;
        foreach (var entry in entries)
        {
            string id = entry.String("Id")!;
            try
            {
                var prepared = Prepare(entry);
                total += prepared.Size;
                results.Add((id, prepared, null));
            }
            catch (SqsException e)
            {
                results.Add((id, null, e));
            }
        }
        if (total > MaxMessageBytes) throw SnsErrors.BatchRequestTooLong();
        // Started in entry order, awaited together.
        var pending = results.Select(r => r.Prepared is null ? Task.CompletedTask : Deliver(request, topic, r.Prepared)).ToList();
        var output = request.Output;
        output.StartList("Successful", "member");
        var failed = new List<(string Id, SqsException Error)>();
        for (int i = 0; i < results.Count; i++)
        {
            var (id, prepared, error) = results[i];
            if (prepared is not null)
            {
                try
                {
                    await pending[i].ConfigureAwait(false);
                }
                catch (SqsException e)
                {
                    error = e;
                }
                catch (Core.BrokerException e)
                {
                    error = SnsErrors.FromBroker(e);
                }
            }
            if (error is not null)
            {
                failed.Add((id, error));
                continue;
            }
            output.StartItem();
            output.String("Id", id);
            output.String("MessageId", prepared!.MessageId);
            output.EndItem();
        }
        output.EndList();
        output.StartList("Failed", "member");
        foreach (var (id, error) in failed)
        {
            output.StartItem();
            output.String("Id", id);
            output.String("Code", error.QueryCode);
            output.String("Message", error.Message);
            output.Bool("SenderFault", error.SenderFault);
            output.EndItem();
        }
        output.EndList();
    }

    /// <summary>The topic of TopicArn or TargetArn (exactly one of them); phone numbers and endpoints are not served.</summary>
    private static SnsTopic Target(SqsRequest request)
    {
        var input = request.Input;
        bool topicArn = input.String("TopicArn") is not null, targetArn = input.String("TargetArn") is not null;
        if (input.String("PhoneNumber") is not null)
            throw SnsErrors.InvalidParameter("PhoneNumber Reason: SMS is not supported by this server");
        if (topicArn == targetArn) throw SnsErrors.InvalidParameter("TopicArn or TargetArn Reason: One of TopicArn or TargetArn must be specified");
        return SnsAccess.Topic(request, topicArn ? "TopicArn" : "TargetArn");
    }

    /// <summary>Checks one publish (message, subject, structure, attributes) as SNS does; throws what SNS answers.</summary>
    private static Prepared Prepare(SqsInput input)
    {
        string message = input.String("Message") ?? throw SnsErrors.InvalidParameter("Empty message");
        if (message.Length == 0) throw SnsErrors.InvalidParameter("Empty message");
        string? subject = input.String("Subject");
        if (subject is not null && (subject.Length is 0 or > 100 || subject.Any(c => c is < ' ' or > '~')))
            throw SnsErrors.InvalidParameter("Subject");
        if (input.String("MessageGroupId") is not null || input.String("MessageDeduplicationId") is not null)
            throw SnsErrors.InvalidParameter("MessageGroupId Reason: The request includes MessageGroupId parameter that is not valid for this topic type");
        string defaultText = message, sqsText = message;
        string? structure = input.String("MessageStructure");
        if (structure is not null)
        {
            if (structure != "json") throw SnsErrors.InvalidParameter("MessageStructure");
            (defaultText, sqsText) = Structured(message);
        }
        var attributes = new Dictionary<string, SnsAttributeValue>(StringComparer.Ordinal);
        var sqsAttributes = new List<SqsAttribute>();
        long size = Encoding.UTF8.GetByteCount(message);
        foreach (var a in input.Attributes("MessageAttributes", "MessageAttributes.entry"))
        {
            string type = a.DataType;
            string baseType = type.Split('.', 2)[0];
            if (a.Name.Length is 0 or > 256)
                throw SnsErrors.ParameterValueInvalid($"The message attribute name '{a.Name}' is invalid: it must be 1 to 256 characters.");
            if (type.Length == 0)
                throw SnsErrors.ParameterValueInvalid($"The message attribute '{a.Name}' must contain non-empty message attribute type.");
            if (baseType is not ("String" or "Number" or "Binary"))
                throw SnsErrors.ParameterValueInvalid($"The message attribute '{a.Name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.");
            string text;
            if (baseType == "Binary")
            {
                if (a.BinaryValue is not { Length: > 0 } bytes)
                    throw SnsErrors.ParameterValueInvalid($"The message attribute '{a.Name}' with type 'Binary' must use field 'Binary'.");
                text = Convert.ToBase64String(bytes);
                sqsAttributes.Add(new SqsAttribute(a.Name, type, null, bytes));
                size += bytes.Length;
            }
            else
            {
                if (string.IsNullOrEmpty(a.StringValue))
                    throw SnsErrors.ParameterValueInvalid($"The message attribute '{a.Name}' must contain non-empty message attribute value for message attribute type '{baseType}'.");
                text = a.StringValue;
                if (baseType == "Number" && !decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    throw SnsErrors.ParameterValueInvalid($"Could not cast message attribute '{a.Name}' value to number.");
                if (type == "String.Array" && !IsJsonArray(text))
                    throw SnsErrors.ParameterValueInvalid($"The message attribute '{a.Name}' has an invalid value for type 'String.Array': it must be a JSON array.");
                sqsAttributes.Add(new SqsAttribute(a.Name, type, text, null));
                size += Encoding.UTF8.GetByteCount(text);
            }
            size += Encoding.UTF8.GetByteCount(a.Name) + Encoding.UTF8.GetByteCount(type);
            attributes[a.Name] = new SnsAttributeValue(type, text);
        }
        if (size > MaxMessageBytes) throw SnsErrors.InvalidParameter("Message too long");
        return new Prepared(Guid.NewGuid().ToString(), defaultText, sqsText, subject, attributes, sqsAttributes, size);
    }

    /// <summary>MessageStructure=json: the "default" text, and the "sqs" one (the default when absent).</summary>
    private static (string Default, string Sqs) Structured(string message)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message);
        }
        catch (JsonException)
        {
            throw SnsErrors.InvalidParameter("Message Structure - JSON message body failed to parse");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw SnsErrors.InvalidParameter("Message Structure - JSON message body failed to parse");
            if (!document.RootElement.TryGetProperty("default", out var fallback) || fallback.ValueKind != JsonValueKind.String)
                throw SnsErrors.InvalidParameter("Message Structure - No default entry in JSON message body");
            string defaultText = fallback.GetString()!;
            string sqsText = document.RootElement.TryGetProperty("sqs", out var sqs) && sqs.ValueKind == JsonValueKind.String
                ? sqs.GetString()!
                : defaultText;
            return (defaultText, sqsText);
        }
    }

    private static bool IsJsonArray(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Array;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Sends to every matching SQS subscription and publishes to the topic's exchange; completes when all are durable.</summary>
    private static async Task Deliver(SqsRequest request, SnsTopic topic, Prepared p)
    {
        var service = request.Service;
        var host = service.VirtualHost;
        var now = service.Broker.Time.GetUtcNow();
        long nowMs = now.ToUnixTimeMilliseconds();
        // Checked before any copy leaves, so a refused publisher reaches no subscriber either.
        SnsAccess.Authorize(request, Core.Security.Permission.Write, topic.ExchangeName);
        var sends = new List<Task>();
        foreach (var subscription in service.Topics.Subscriptions(topic.Name))
        {
            if (subscription.Filter is { } filter && !filter.Matches(p.Attributes, p.SqsText)) continue;
            string? queueName = QueueNames.NameOfArn(subscription.Endpoint);
            var core = queueName is null ? null : host.FindQueue(queueName);
            // A subscribed queue that is gone (or an AMQP exclusive one) loses the message, as SNS loses it for a deleted queue.
            if (core is null || core.IsDeleted || core.Exclusive) continue;
            var settings = service.Catalog.Of(core).Settings;
            string body = subscription.Raw
                ? p.SqsText
                : SnsEnvelope.Build(p.MessageId, topic.Arn, p.Subject, p.SqsText, now, p.Attributes,
                    $"{request.BaseUrl}/?Action=Unsubscribe&SubscriptionArn={subscription.Arn}",
                    $"{request.BaseUrl}/SimpleNotificationService-tidings.pem");
            var message = SqsMessageMapping.ToMessage(core.Name, Guid.NewGuid().ToString(),
                new SqsMessageMapping.Outgoing(body, subscription.Raw ? p.SqsAttributes : [], null, null, null, null, request.User.Name),
                nowMs, settings.RetentionSeconds);
            // Authorized at Subscribe (write permission on the queue): sent on the subscriber's behalf.
            sends.Add(host.SendToQueueDurablyAsync(core.Name, message, TimeSpan.FromSeconds(settings.DelaySeconds), user: null));
        }

        var headers = new List<MessageHeader>(p.Attributes.Count + 2);
        foreach (var a in p.SqsAttributes)
            headers.Add(new MessageHeader(a.Name, new AttributeValue(a.DataType, a.IsBinary ? a.BinaryValue! : a.StringValue!)));
        headers.Add(new MessageHeader(TopicArnHeader, topic.Arn));
        if (p.Subject is not null) headers.Add(new MessageHeader(SubjectHeader, p.Subject));
        var properties = new MessageProperties
        {
            Durable = true,
            MessageId = p.MessageId,
            TimestampMs = nowMs,
            ContentType = "text/plain; charset=UTF-8",
            Headers = new MessageHeaders(headers),
        };
        var exchangeCopy = new Message(topic.ExchangeName, "", properties, Encoding.UTF8.GetBytes(p.DefaultText));
        if (host.FindExchange(topic.ExchangeName) is null) TopicActions.EnsureExchange(service, topic.Name);
        sends.Add(host.PublishDurablyAsync(exchangeCopy, request.User));
        await Task.WhenAll(sends).ConfigureAwait(false);
    }
}
