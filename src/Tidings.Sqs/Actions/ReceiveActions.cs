using System.Globalization;
using Tidings.Core.Messages;
using Tidings.Core.Queues;
using Tidings.Core.Security;
using Tidings.Sqs.Messages;
using Tidings.Sqs.Protocol;
using Tidings.Sqs.Queues;

namespace Tidings.Sqs.Actions;

/// <summary>
/// ReceiveMessage: a connectionless receive with a visibility timeout, long-polling up to 20 s
/// (a message sent meanwhile wakes the poll at once). A message received more often than its
/// queue's RedrivePolicy allows is moved to the dead-letter queue instead of being returned.
/// </summary>
public static class ReceiveActions
{
    private static readonly string[] SystemAttributes =
    [
        "SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp",
        "SequenceNumber", "MessageDeduplicationId", "MessageGroupId", "AWSTraceHeader", "DeadLetterQueueSourceArn",
    ];

    /// <summary>How long a FIFO poll whose ready messages all belong to busy groups waits before looking again.</summary>
    private static readonly TimeSpan BusyGroupsRetry = TimeSpan.FromMilliseconds(20);

    public static async Task ReceiveMessage(SqsRequest request)
    {
        var service = request.Service;
        var input = request.Input;
        var (core, sqs) = service.Resolve(input.String("QueueUrl"));
        service.Authorize(request.User, Permission.Read, core.Name);
        var settings = sqs.Settings;
        int max = input.Int("MaxNumberOfMessages") ?? 1;
        if (max is < 1 or > 10)
            throw SqsErrors.InvalidParameterValue($"Value {max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.");
        int visibility = input.Int("VisibilityTimeout") ?? settings.VisibilityTimeout;
        if (visibility is < 0 or > 43_200)
            throw SqsErrors.InvalidParameterValue($"Value {visibility} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.");
        int wait = input.Int("WaitTimeSeconds") ?? settings.ReceiveWaitSeconds;
        if (wait is < 0 or > 20)
            throw SqsErrors.InvalidParameterValue($"Value {wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.");
        var systemNames = input.StringList("AttributeNames", "AttributeName");
        systemNames.AddRange(input.StringList("MessageSystemAttributeNames", "MessageSystemAttributeName"));
        foreach (var name in systemNames)
        {
            if (name != "All" && Array.IndexOf(SystemAttributes, name) < 0) throw SqsErrors.InvalidAttributeName(name);
        }
        var attributeNames = input.StringList("MessageAttributeNames", "MessageAttributeName");

        string? attemptKey = null;
        if (settings.Fifo && input.String("ReceiveRequestAttemptId") is { } attempt)
        {
            attemptKey = $"{request.Protocol}\n{request.User.Name}\n{attempt}";
            if (sqs.Attempts.Find(attemptKey) is { } kept)
            {
                request.KeptAnswer = kept;
                return;
            }
        }

        var deliveries = await ReceiveAsync(request, core, sqs, max, TimeSpan.FromSeconds(visibility), TimeSpan.FromSeconds(wait)).ConfigureAwait(false);
        var output = request.Output;
        if (deliveries.Count > 0)
        {
            output.StartList("Messages", "Message");
            foreach (var delivery in deliveries) WriteMessage(request, core, sqs, delivery, systemNames, attributeNames);
            output.EndList();
        }
        if (attemptKey is not null) request.KeepAnswer = answer => sqs.Attempts.Remember(attemptKey, answer);
    }

    /// <summary>Takes up to <paramref name="max"/> messages, waiting up to <paramref name="wait"/> for the first.</summary>
    private static async Task<List<QueueDelivery>> ReceiveAsync(SqsRequest request, IQueue core, SqsQueue sqs, int max, TimeSpan visibility, TimeSpan wait)
    {
        var service = request.Service;
        var vhost = service.VirtualHost;
        var time = service.Broker.Time;
        var deadline = time.GetUtcNow() + wait;
        var received = new List<QueueDelivery>(max);
        while (true)
        {
            vhost.Receive(core.Name, request.User, max - received.Count, visibility, received);
            if (sqs.Settings.Redrive is { } redrive) await Redrive.MoveOverCountAsync(service, core, redrive, received).ConfigureAwait(false);
            if (received.Count > 0) return received;
            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero) return received;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(request.Cancellation);
            timeout.CancelAfter(left);
            bool immediate;
            try
            {
                var ready = vhost.WhenReadyAsync(core.Name, request.User, timeout.Token);
                immediate = ready.IsCompleted;
                await ready.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!request.Cancellation.IsCancellationRequested)
            {
                return received;
            }
            // Ready messages that a receive cannot take are a FIFO queue's busy groups: look again shortly, not in a spin.
            if (immediate && sqs.Fifo)
            {
                try
                {
                    await Task.Delay(BusyGroupsRetry < left ? BusyGroupsRetry : left, time, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!request.Cancellation.IsCancellationRequested)
                {
                    return received;
                }
            }
        }
    }

    private static void WriteMessage(SqsRequest request, IQueue core, SqsQueue sqs, QueueDelivery delivery,
        IReadOnlyList<string> systemNames, IReadOnlyList<string> attributeNames)
    {
        var output = request.Output;
        var message = delivery.Message;
        var (body, base64) = SqsMessageMapping.BodyOf(message);
        var token = delivery.Handle.Token;
        output.StartItem();
        output.String("MessageId", message.Properties.MessageId ?? $"00000000-0000-4000-8000-{token.Position:x12}");
        output.String("ReceiptHandle", ReceiptHandle.Encode(core.Name, token));
        output.String("MD5OfBody", AttributeDigest.Md5OfBody(body));
        output.String("Body", body);
        var system = SystemAttributesOf(request.Service, sqs, delivery, systemNames);
        if (system.Count > 0)
        {
            output.StartMap("Attributes", "Attribute");
            foreach (var (name, value) in system) output.MapString(name, value);
            output.EndMap();
        }
        var attributes = SqsMessageMapping.AttributesOf(message, attributeNames, base64);
        if (attributes.Count > 0)
        {
            output.String("MD5OfMessageAttributes", AttributeDigest.Md5OfAttributes(attributes)!);
            output.StartMap("MessageAttributes", "MessageAttribute");
            foreach (var attribute in attributes)
            {
                output.StartMapEntry(attribute.Name);
                if (attribute.BinaryValue is { } binary) output.String("BinaryValue", Convert.ToBase64String(binary));
                else output.String("StringValue", attribute.StringValue ?? "");
                output.String("DataType", attribute.DataType);
                output.EndMapEntry();
            }
            output.EndMap();
        }
        output.EndItem();
    }

    private static List<(string, string)> SystemAttributesOf(SqsService service, SqsQueue sqs, QueueDelivery delivery, IReadOnlyList<string> names)
    {
        var values = new List<(string, string)>();
        if (names.Count == 0) return values;
        bool all = names.Contains("All");
        var message = delivery.Message;
        foreach (var name in SystemAttributes)
        {
            if (!all && !names.Contains(name)) continue;
            string? value = name switch
            {
                "SenderId" => SqsMessageMapping.Header(message, SqsHeaders.SenderId) ?? message.Properties.UserId ?? service.Options.AccountId,
                "SentTimestamp" => Text(message.Properties.TimestampMs ?? delivery.FirstDeliveredAtMs),
                "ApproximateReceiveCount" => Text(delivery.DeliveryCount),
                "ApproximateFirstReceiveTimestamp" => Text(delivery.FirstDeliveredAtMs),
                "SequenceNumber" => sqs.Fifo ? SqsMessageMapping.Header(message, SqsHeaders.SequenceNumber) : null,
                "MessageDeduplicationId" => sqs.Fifo ? SqsMessageMapping.Header(message, SqsHeaders.DeduplicationId) : null,
                "MessageGroupId" => SqsMessageMapping.Header(message, SqsHeaders.MessageGroupId),
                "AWSTraceHeader" => SqsMessageMapping.Header(message, SqsHeaders.TraceHeader),
                "DeadLetterQueueSourceArn" => SqsMessageMapping.Header(message, SqsHeaders.DeadLetterSourceArn),
                _ => null,
            };
            if (value is not null) values.Add((name, value));
        }
        return values;
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
