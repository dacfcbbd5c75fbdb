namespace Tidings.Amqp.Connection;

/// <summary>
/// Publisher confirms of one channel, sent in publish order. Publishes settle in any order and
/// on any thread (a transient message at once, a persistent one when its fsync completes);
/// confirms go out from the oldest unsettled publish onwards, a run of acks as one
/// <c>basic.ack multiple=true</c>, a refused message as its own <c>basic.nack</c>.
/// </summary>
internal sealed class ConfirmTracker(Action<ulong, bool> sendAck, Action<ulong> sendNack)
{
    private const byte Pending = 0, Accepted = 1, Refused = 2;

    /// <summary>Guards everything below; sending happens under it so confirms stay in order.</summary>
    private readonly Lock _lock = new();
    /// <summary>Settlement state of publishes from <see cref="_firstUnsent"/> on.</summary>
    private readonly List<byte> _states = [];
    /// <summary>Index in <see cref="_states"/> of the oldest publish not yet confirmed.</summary>
    private int _head;
    /// <summary>Sequence number of <c>_states[_head]</c>.</summary>
    private ulong _firstUnsent = 1;
    private ulong _next = 1;

    /// <summary>Numbers the next publish (1, 2, 3 … from confirm.select).</summary>
    public ulong NextSequence()
    {
        lock (_lock)
        {
            _states.Add(Pending);
            return _next++;
        }
    }

    /// <summary>Records a settlement; confirms are sent by <see cref="Flush"/>.</summary>
    public void Settle(ulong sequence, bool accepted)
    {
        lock (_lock)
        {
            int index = _head + (int)(sequence - _firstUnsent);
            if (index < _head || index >= _states.Count) return;
            _states[index] = accepted ? Accepted : Refused;
        }
    }

    /// <summary>Sends every confirm that is due, oldest first.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            ulong runEnd = 0;
            int runLength = 0;
            while (_head < _states.Count && _states[_head] != Pending)
            {
                if (_states[_head] == Accepted)
                {
                    runEnd = _firstUnsent;
                    runLength++;
                }
                else
                {
                    if (runLength > 0) sendAck(runEnd, runLength > 1);
                    runLength = 0;
                    sendNack(_firstUnsent);
                }
                _head++;
                _firstUnsent++;
            }
            if (runLength > 0) sendAck(runEnd, runLength > 1);
            if (_head > 4096)
            {
                _states.RemoveRange(0, _head);
                _head = 0;
            }
        }
    }
}
