using Tidings.Core.Exchanges;
using Tidings.Core.Limits;
using Tidings.Core.Messages;
using Tidings.Core.Queues;
using Tidings.Core.Security;
using Tidings.Core.Sessions;

namespace Tidings.Core;

/// <summary>
/// Connectionless sends that complete only once the message is safe: on disk in every durable
/// queue that took it (at once for in-memory queues and brokers without a store). SQS answers
/// SendMessage with 200 only then, so an acknowledged message survives kill -9.
/// </summary>
public sealed partial class VirtualHost
{
    /// <summary>
    /// <see cref="SendToQueue"/> that completes when the message is durable. The result is
    /// <see cref="EnqueueResult.Rejected"/> when a full queue refused it.
    /// </summary>
    /// <exception cref="BrokerException">Missing queue, no permission, bad properties (thrown, not faulted).</exception>
    public Task<EnqueueResult> SendToQueueDurablyAsync(string queueName, Message message, TimeSpan deliveryDelay, User? user)
    {
        var queue = QueueForConnectionless(queueName, user, Permission.Write);
        MessageLimits.Check(message);
        Stats.Add(MessageStat.Publish);
        long now = Broker.Time.GetUtcNow().ToUnixTimeMilliseconds();
        if (message.Properties.TimeToLiveMs is { } ttl) message.ExpiresAtMs = now + ttl;
        long deliverAt = deliveryDelay > TimeSpan.Zero ? now + (long)deliveryDelay.TotalMilliseconds : 0;
        var wait = new DurableWait();
        var confirm = new ConfirmRequest();
        confirm.Begin(wait, 0);
        bool rejected = queue.Enqueue(message, confirm, deliverAt) == EnqueueResult.Rejected;
        confirm.Finish(rejected);
        return wait.Task;
    }

    /// <summary>
    /// <see cref="Publish(Message, User?, bool)"/> that completes when every durable queue the message
    /// reached has it on disk. The caller keeps its reference to the message.
    /// </summary>
    /// <exception cref="BrokerException">Missing or internal exchange, bad properties, no permission (thrown, not faulted).</exception>
    public async Task<PublishResult> PublishDurablyAsync(Message message, User? user)
    {
        var wait = new DurableWait();
        var confirm = new ConfirmRequest();
        confirm.Begin(wait, 0);
        PublishResult result;
        try
        {
            result = Publish(message, user, new RoutingScratch(), confirm);
        }
        catch
        {
            confirm.Finish(rejected: false);
            throw;
        }
        if (result.Unroutable) Stats.Add(MessageStat.DropUnroutable);
        confirm.Finish(result.Rejected);
        await wait.Task.ConfigureAwait(false);
        return result;
    }

    /// <summary>A confirm sink for one send: completes its task when the broker settles the message.</summary>
    private sealed class DurableWait : IPublishConfirmSink
    {
        private readonly TaskCompletionSource<EnqueueResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<EnqueueResult> Task => _done.Task;

        public void Settled(ulong publishId, bool accepted) =>
            _done.TrySetResult(accepted ? EnqueueResult.Accepted : EnqueueResult.Rejected);
    }
}
