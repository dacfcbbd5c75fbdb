namespace Tidings.Core.Sessions;

/// <summary>
/// The confirm of the publish a session is making right now. Reused for every publish of the
/// session (one publisher thread): a message that only meets in-memory queues settles without
/// allocating; a <see cref="PendingConfirm"/> is made only when a durable queue must write it first.
/// </summary>
internal sealed class ConfirmRequest
{
    private IPublishConfirmSink? _sink;
    private ulong _publishId;
    /// <summary>Created by the first durable queue that holds this publish; null while none has.</summary>
    private PendingConfirm? _pending;

    public void Begin(IPublishConfirmSink sink, ulong publishId)
    {
        _sink = sink;
        _publishId = publishId;
        _pending = null;
    }

    /// <summary>A durable queue writes the message: the confirm waits for its callback on the returned hold.</summary>
    public PendingConfirm Hold()
    {
        _pending ??= new PendingConfirm(_sink!, _publishId);
        _pending.AddHold();
        return _pending;
    }

    /// <summary>Routing is done: settles now, or leaves the rest to the durable holds.</summary>
    public void Finish(bool rejected)
    {
        if (_pending is null) _sink!.Settled(_publishId, accepted: !rejected);
        else _pending.ReleasePublisher(rejected);
        _pending = null;
        _sink = null;
    }
}
