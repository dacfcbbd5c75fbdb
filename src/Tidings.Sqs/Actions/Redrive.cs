using Tidings.Core;
using Tidings.Core.Messages;
using Tidings.Core.Queues;
using Tidings.Sqs.Messages;
using Tidings.Sqs.Queues;

namespace Tidings.Sqs.Actions;

/// <summary>
/// Moving messages between queues: a redrive (received more than maxReceiveCount times → the
/// dead-letter queue) and a move task. The copy is on disk in the destination before the original
/// is acked in the source, so a crash in between duplicates a message but never loses one.
/// </summary>
public static class Redrive
{
    /// <summary>Moves the deliveries of <paramref name="received"/> over the receive count to the dead-letter queue and drops them from the list.</summary>
    public static async Task MoveOverCountAsync(SqsService service, IQueue source, (string TargetArn, int MaxReceiveCount) redrive, List<QueueDelivery> received)
    {
        if (!received.Exists(d => d.DeliveryCount > redrive.MaxReceiveCount)) return;
        string? target = QueueNames.NameOfArn(redrive.TargetArn);
        // A dead-letter queue that does not exist (deleted since) leaves the messages where they are, as AWS does.
        if (target is null || service.VirtualHost.FindQueue(target) is null) return;
        var moving = received.FindAll(d => d.DeliveryCount > redrive.MaxReceiveCount);
        received.RemoveAll(d => d.DeliveryCount > redrive.MaxReceiveCount);
        await MoveAsync(service, source, moving, target).ConfigureAwait(false);
    }

    /// <summary>Copies each delivery to <paramref name="destination"/> (durably), then acks it in the source.</summary>
    public static async Task MoveAsync(SqsService service, IQueue source, IReadOnlyList<QueueDelivery> deliveries, string destination)
    {
        var vhost = service.VirtualHost;
        var retention = service.ResolveName(destination).Sqs.Settings.RetentionSeconds;
        var writes = new List<Task<EnqueueResult>>(deliveries.Count);
        foreach (var delivery in deliveries)
        {
            writes.Add(vhost.SendToQueueDurablyAsync(destination, CopyFor(service, delivery.Message, source.Name, destination, retention), TimeSpan.Zero, user: null));
        }
        await Task.WhenAll(writes).ConfigureAwait(false);
        var handles = new DeliveryHandle[deliveries.Count];
        for (int i = 0; i < handles.Length; i++) handles[i] = deliveries[i].Handle;
        vhost.Settle(handles, Settlement.Ack);
    }

    /// <summary>
    /// The message as it enters <paramref name="destination"/>: same id, body and attributes; its
    /// dead-letter source recorded when it goes to a dead-letter queue, dropped when it goes home.
    /// </summary>
    private static Message CopyFor(SqsService service, Message message, string source, string destination, int retentionSeconds)
    {
        var headers = message.Properties.Headers ?? MessageHeaders.Empty;
        string? from = SqsMessageMapping.Header(message, SqsHeaders.DeadLetterSourceArn);
        headers = from is not null && QueueNames.NameOfArn(from) == destination
            ? headers.Without(SqsHeaders.DeadLetterSourceArn)
            : headers.With(SqsHeaders.DeadLetterSourceArn, service.Arn(source));
        var properties = message.Properties.With(headers, replaceHeaders: true, durable: true, timeToLiveMs: retentionSeconds * 1000L);
        return new Message("", destination, properties, message.Body);
    }
}
