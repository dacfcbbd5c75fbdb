using Tidings.Connections.Output;

namespace Tidings.Connections.Flow;

/// <summary>
/// Back-pressure from a slow socket to the queues: when more than a limit of output waits in a
/// connection's <see cref="OutboundBuffer"/>, its consumers are paused until the writer has
/// drained it below half the limit (TCP back-pressure reaches the queues instead of growing the
/// broker's memory, also for no-ack consumers). Protocol-neutral: the adapter says what pausing
/// means through <see cref="IDeliveryFlow"/>.
/// </summary>
/// <remarks>
/// <see cref="Check"/> runs inside a delivery, under the delivering queue's lock and the
/// session's lock. Resuming dispatches every queue the connection consumes from, which takes
/// their locks: done there, two connections' deliveries (or two sessions of one) would take
/// each other's queue and session locks in opposite order and deadlock. So resuming happens only
/// on the writer loop (<see cref="OutboundBuffer.Drained"/>), which holds no broker lock; a
/// pause asks the writer for one more drained check in case it already sent everything.
/// </remarks>
public sealed class OutputPressure
{
    /// <summary>The buffer whose pending bytes are measured.</summary>
    private readonly OutboundBuffer _output;
    /// <summary>Pending bytes above which deliveries pause.</summary>
    private readonly long _limit;
    /// <summary>The adapter's pause/resume.</summary>
    private readonly IDeliveryFlow _flow;
    /// <summary>Serialises pausing and resuming.</summary>
    private readonly Lock _lock = new();
    /// <summary>True while deliveries are paused; written under _lock, read without it on every delivery.</summary>
    private volatile bool _congested;
    /// <summary>True while the writer loop runs <see cref="IDeliveryFlow.ResumeDeliveries"/>; written under _lock.</summary>
    private volatile bool _resuming;

    /// <summary>Watches <paramref name="output"/>, pausing <paramref name="flow"/> above <paramref name="limitBytes"/>.</summary>
    public OutputPressure(OutboundBuffer output, long limitBytes, IDeliveryFlow flow)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limitBytes);
        _output = output;
        _limit = limitBytes;
        _flow = flow;
        output.Drained += OnDrained;
    }

    /// <summary>True while deliveries are paused because the socket is not keeping up.</summary>
    public bool IsCongested => _congested;

    /// <summary>
    /// Called after each delivery is appended, from any thread, possibly under queue and session
    /// locks: pauses the deliveries when too much is waiting. Never resumes (see remarks).
    /// </summary>
    public void Check()
    {
        if (_congested && !_resuming) return;
        if (_output.PendingBytes <= _limit) return;
        lock (_lock)
        {
            if (_congested && !_resuming) return;
            _congested = true;
            // While the writer resumes, a session it has not reached yet would be switched
            // back on after this pause: pausing again here (and once more when the resume
            // ends) keeps a resume from undoing a pause.
            _flow.PauseDeliveries();
        }
        // The writer may have sent everything before the pause took effect; its Drained call
        // would then have found nothing to resume. It looks once more, on its own thread.
        _output.RequestDrainedCheck();
    }

    /// <summary>The writer loop sent a batch (or was asked to look): resumes below half the limit.</summary>
    private void OnDrained()
    {
        if (!_congested || _output.PendingBytes > _limit / 2) return;
        lock (_lock)
        {
            if (!_congested) return;
            _congested = false;
            _resuming = true;
        }
        try
        {
            _flow.ResumeDeliveries();
        }
        finally
        {
            lock (_lock)
            {
                _resuming = false;
                // A pause that came while the sessions were being resumed one by one may have
                // been undone for those resumed after it; it holds for all of them again.
                if (_congested) _flow.PauseDeliveries();
            }
        }
    }
}
