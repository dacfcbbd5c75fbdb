using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Tidings.Core;
using Tidings.Core.Messages;
using Tidings.Core.Queues;
using Tidings.Sqs.Messages;
using Tidings.Sqs.Protocol;
using Tidings.Sqs.Queues;

namespace Tidings.Sqs.Actions;

/// <summary>
/// SendMessage and SendMessageBatch. The answer comes once the message is on disk (the queue is
/// durable, the message persistent), so a 200 survives kill -9. FIFO sends are de-duplicated for
/// five minutes and numbered; a batch's messages enter the queue in entry order.
/// </summary>
public static class SendActions
{
    /// <summary>What one send answers with.</summary>
    private sealed record Sent(string MessageId, string Md5OfBody, string? Md5OfAttributes, string? Md5OfSystemAttributes, string? SequenceNumber);

    public static async Task SendMessage(SqsRequest request)
    {
        var (core, sqs) = request.Service.Resolve(request.Input.String("QueueUrl"));
        var pending = Start(request, core, sqs, request.Input, request.Input.Attributes("MessageAttributes", "MessageAttribute"));
        var sent = await pending.ConfigureAwait(false);
        var output = request.Output;
        output.String("MD5OfMessageBody", sent.Md5OfBody);
        output.OptionalString("MD5OfMessageAttributes", sent.Md5OfAttributes);
        output.OptionalString("MD5OfMessageSystemAttributes", sent.Md5OfSystemAttributes);
        output.String("MessageId", sent.MessageId);
        output.OptionalString("SequenceNumber", sent.SequenceNumber);
    }

    public static async Task SendMessageBatch(SqsRequest request)
    {
        var (core, sqs) = request.Service.Resolve(request.Input.String("QueueUrl"));
        var entries = BatchEntries.Read(request.Input, "Entries", "SendMessageBatchRequestEntry");
        // Each entry's attributes are read once: for the batch's size here, then for its send.
        var attributes = new List<SqsAttribute>[entries.Count];
        long total = 0;
        for (int i = 0; i < entries.Count; i++)
        {
            var entry = entries[i].Entry;
            attributes[i] = entry.Attributes("MessageAttributes", "MessageAttribute");
            total += Encoding.UTF8.GetByteCount(entry.String("MessageBody") ?? "") + AttributeRules.Size(attributes[i]);
        }
        int limit = sqs.Settings.MaximumMessageSize;
        if (total > limit) throw SqsErrors.BatchRequestTooLong(total, limit);

        // Started in entry order (so a FIFO group keeps it), awaited together (one fsync for all).
        var pending = new List<(string Id, Task<Sent>? Send, SqsException? Error)>(entries.Count);
        for (int i = 0; i < entries.Count; i++)
        {
            var (id, entry) = entries[i];
            try
            {
                pending.Add((id, Start(request, core, sqs, entry, attributes[i]), null));
            }
            catch (SqsException e)
            {
                pending.Add((id, null, e));
            }
            catch (BrokerException e) when (e.Error != BrokerError.NotFound)
            {
                pending.Add((id, null, SqsErrors.InvalidParameterValue(e.Message)));
            }
        }
        var failed = new List<(string, SqsException)>();
        var output = request.Output;
        output.StartList("Successful", "SendMessageBatchResultEntry");
        foreach (var (id, send, error) in pending)
        {
            if (send is null)
            {
                failed.Add((id, error!));
                continue;
            }
            Sent sent;
            try
            {
                sent = await send.ConfigureAwait(false);
            }
            catch (SqsException e)
            {
                failed.Add((id, e));
                continue;
            }
            output.StartItem();
            output.String("Id", id);
            output.String("MessageId", sent.MessageId);
            output.String("MD5OfMessageBody", sent.Md5OfBody);
            output.OptionalString("MD5OfMessageAttributes", sent.Md5OfAttributes);
            output.OptionalString("MD5OfMessageSystemAttributes", sent.Md5OfSystemAttributes);
            output.OptionalString("SequenceNumber", sent.SequenceNumber);
            output.EndItem();
        }
        output.EndList();
        BatchEntries.WriteFailed(output, failed);
    }

    /// <summary>Validates one send and puts it in the queue; the task completes once it is durable. Throws for invalid input.</summary>
    private static Task<Sent> Start(SqsRequest request, IQueue core, SqsQueue sqs, SqsInput input, List<SqsAttribute> attributes)
    {
        var settings = sqs.Settings;
        string body = input.String("MessageBody") ?? throw SqsErrors.MissingParameter("MessageBody");
        if (body.Length == 0) throw SqsErrors.MissingParameter("MessageBody");
        if (!MessageText.IsAllowed(body))
            throw SqsErrors.InvalidMessageContents("Invalid binary character in the message body. Allowed: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF");
        AttributeRules.Check(attributes);
        long size = Encoding.UTF8.GetByteCount(body) + AttributeRules.Size(attributes);
        if (size > settings.MaximumMessageSize)
            throw SqsErrors.InvalidParameterValue($"One or more parameters are invalid. Reason: Message must be shorter than {settings.MaximumMessageSize} bytes.");
        var system = input.Attributes("MessageSystemAttributes", "MessageSystemAttribute");
        string? trace = null;
        foreach (var attribute in system)
        {
            if (attribute.Name != "AWSTraceHeader" || attribute.DataType != "String" || string.IsNullOrEmpty(attribute.StringValue))
                throw SqsErrors.InvalidParameterValue($"Message system attribute '{attribute.Name}' is invalid: only AWSTraceHeader, of type String, is supported.");
            trace = attribute.StringValue;
        }

        int? delay = input.Int("DelaySeconds");
        if (delay is < 0 or > 900)
            throw SqsErrors.InvalidParameterValue($"Value {delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.");
        string? groupId = input.String("MessageGroupId");
        string? deduplicationId = input.String("MessageDeduplicationId");
        if (groupId is not null) CheckFifoId("MessageGroupId", groupId);
        if (deduplicationId is not null) CheckFifoId("MessageDeduplicationId", deduplicationId);
        string? dedupKey = null;
        if (settings.Fifo)
        {
            if (delay is not null && delay != 0)
                throw SqsErrors.InvalidParameterValue($"Value {delay} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.");
            if (groupId is null) throw SqsErrors.MissingParameter("MessageGroupId");
            deduplicationId ??= settings.ContentBasedDeduplication
                ? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)))
                : throw SqsErrors.InvalidParameterValue("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly");
            dedupKey = settings.DeduplicatePerGroup ? groupId + "\n" + deduplicationId : deduplicationId;
        }
        else if (deduplicationId is not null)
        {
            throw SqsErrors.InvalidParameterValue("The request include parameter MessageDeduplicationId that is not valid for this queue type");
        }

        string md5Body = AttributeDigest.Md5OfBody(body);
        string? md5Attributes = AttributeDigest.Md5OfAttributes(attributes);
        string? md5System = system.Count > 0 ? AttributeDigest.Md5OfAttributes(system) : null;
        if (dedupKey is not null && sqs.Deduplication.Find(dedupKey) is { } first)
            return Task.FromResult(new Sent(first.MessageId, md5Body, md5Attributes, md5System, first.SequenceNumber));

        var service = request.Service;
        string messageId = Guid.NewGuid().ToString();
        string? sequence = settings.Fifo ? service.NextSequenceNumber() : null;
        long now = service.Broker.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var message = SqsMessageMapping.ToMessage(core.Name, messageId,
            new SqsMessageMapping.Outgoing(body, attributes, trace, groupId, deduplicationId, sequence, request.User.Name),
            now, settings.RetentionSeconds);
        var delaySeconds = delay ?? settings.DelaySeconds;
        var durable = service.VirtualHost.SendToQueueDurablyAsync(core.Name, message, TimeSpan.FromSeconds(delaySeconds), request.User);
        if (dedupKey is not null) sqs.Deduplication.Remember(dedupKey, messageId, sequence);
        return Finish(durable, new Sent(messageId, md5Body, md5Attributes, md5System, sequence));
    }

    private static async Task<Sent> Finish(Task<EnqueueResult> durable, Sent sent)
    {
        // A full queue (x-max-length with reject-publish, set over AMQP) refuses: SQS has no such error, so it is OverLimit.
        if (await durable.ConfigureAwait(false) == EnqueueResult.Rejected)
            throw SqsErrors.OverLimit("The queue is full and refused the message.");
        return sent;
    }

    /// <summary>Group and de-duplication ids: 1 to 128 characters, alphanumerics and punctuation.</summary>
    private static void CheckFifoId(string name, string value)
    {
        bool valid = value.Length is >= 1 and <= 128;
        foreach (char c in value) valid &= c is > ' ' and <= '~';
        if (!valid)
            throw SqsErrors.InvalidParameterValue(string.Create(CultureInfo.InvariantCulture,
                $"Value {value} for parameter {name} is invalid. Reason: {name} can only include alphanumeric and punctuation characters. 1 to 128 in length."));
    }
}
