namespace Tidings.Core.Sessions;

/// <summary>
/// Counts what a confirmed publish still waits for: the publisher's own hold plus one per
/// durable queue whose write has not reached the disk. The last release tells the sink.
/// </summary>
internal sealed class PendingConfirm(IPublishConfirmSink sink, ulong publishId)
{
    /// <summary>Holds outstanding; starts with the publisher's. Interlocked.</summary>
    private int _holds = 1;
    private volatile bool _rejected;

    /// <summary>A queue started a durable write this confirm must wait for.</summary>
    public void AddHold() => Interlocked.Increment(ref _holds);

    /// <summary>One hold is done; the last one settles the publish.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _holds) == 0) sink.Settled(publishId, accepted: !_rejected);
    }

    /// <summary>The publisher's release, with whether a queue refused the message.</summary>
    public void ReleasePublisher(bool rejected)
    {
        if (rejected) _rejected = true;
        Release();
    }

    /// <summary>Callback shape for <see cref="Storage.IQueueLog.Append"/>.</summary>
    public static readonly Action<object?> OnDurable = static state => ((PendingConfirm)state!).Release();
}
