using System.Diagnostics;
using System.Buffers;
using System.IO.Pipelines;

using Tidings.Connections.Heartbeats;

namespace Tidings.Connections.Output;

/// <summary>
/// Frames waiting to be sent on one connection. Any thread (the reader loop, queue threads
/// delivering to consumers) appends whole frames under a short lock; one writer loop swaps the
/// buffer out and writes it to the socket, so every frame appended while a send was in flight
/// goes out in one batch. Appending never blocks on the network. Shared by every listener's
/// connections (AMQP today; MQTT and the others reuse it as they are).
/// </summary>
public sealed class OutboundBuffer
{
    // The buffers start empty and grow with the traffic (an idle connection's handshake needs
    // well under 1 KiB), so a thousand idle connections do not hold megabytes of empty buffer.
    // While busy a buffer keeps up to twice the default pending-output limit: a consumer of
    // 1 MiB messages fills ~5 MiB per batch, and dropping the buffer after each batch made it
    // regrow (1, 2, 4, 8 MiB) every time, hundreds of MB/s of large-object garbage that kept the
    // resident set far above the memory watermark while a backlog drained. Idle connections
    // still drop everything (TrimIfIdle).
    private const int MaxRetainedCapacity = 8 * 1024 * 1024;
    /// <summary>How long a connection sends nothing before <see cref="TrimIfIdle"/> drops its buffers.</summary>
    public const long IdleTrimMilliseconds = 2000;

    /// <summary>The clock write times are stamped with; null = Environment.TickCount64 (a buffer used alone, in tests).</summary>
    private readonly ConnectionHeartbeat? _clock;

    /// <summary>Guards the two buffers and the flags.</summary>
    private readonly Lock _lock = new();
    /// <summary>Frames appended since the last swap.</summary>
    private ArrayBufferWriter<byte> _pending = new();
    /// <summary>Frames being written to the socket by the writer loop (only it touches this).</summary>
    private ArrayBufferWriter<byte> _sending = new();
    /// <summary>Wakes the writer loop; released at most once per swap.</summary>
    private readonly WakeSignal _wake = new();
    /// <summary>True between a wake-up and the writer's swap; guarded by _lock.</summary>
    private bool _wakePending;
    /// <summary>Set by <see cref="Complete"/>; guarded by _lock.</summary>
    private bool _completed;
    /// <summary>Set by <see cref="Seal"/>: appends go to <see cref="_discarded"/> from then on; guarded by _lock.</summary>
    private bool _sealed;
    /// <summary>Takes what is appended after <see cref="Seal"/>, emptied at each <see cref="Exit"/>; guarded by _lock.</summary>
    private ArrayBufferWriter<byte>? _discarded;
    /// <summary>Bytes of the batch the writer is sending now (interlocked: read outside the lock).</summary>
    private long _bytesInFlight;
    /// <summary>1 when <see cref="RequestDrainedCheck"/> asked for a <see cref="Drained"/> call even without a batch (interlocked).</summary>
    private int _drainedCheckRequested;

    /// <summary>A buffer whose write times come from <paramref name="clock"/>, the clock its heartbeat compares them with.</summary>
    public OutboundBuffer(ConnectionHeartbeat? clock = null)
    {
        _clock = clock;
        LastWriteTicks = Now;
    }

    /// <summary>Milliseconds on the clock of <see cref="LastWriteTicks"/>.</summary>
    private long Now => _clock?.Now ?? Environment.TickCount64;

    /// <summary>Bytes appended but not yet handed to the socket.</summary>
    public long PendingBytes
    {
        get { lock (_lock) return _pending.WrittenCount + Interlocked.Read(ref _bytesInFlight); }
    }

    /// <summary>Bytes of buffer held, written or not (for tests of <see cref="TrimIfIdle"/>).</summary>
    public int RetainedCapacity
    {
        get { lock (_lock) return _pending.Capacity + _sending.Capacity; }
    }

    /// <summary>Milliseconds (<see cref="ConnectionHeartbeat.Now"/>, or Environment.TickCount64 without a clock) of the last append, for heartbeat decisions.</summary>
    public long LastWriteTicks { get; private set; }

    /// <summary>Told how many bytes each batch put on the socket (traffic statistics).</summary>
    public Action<long>? Sent { get; set; }

    /// <summary>
    /// Raised by the writer loop after a batch went out, and once after each
    /// <see cref="RequestDrainedCheck"/>. It runs on the writer loop, never under a lock of the
    /// broker, which is why paused consumers are resumed from here (see <see cref="Flow.OutputPressure"/>).
    /// </summary>
    public event Action? Drained;

    /// <summary>
    /// Enters the lock and returns the writer to append frames to (after <see cref="Seal"/>, one whose
    /// frames are dropped). Call <see cref="Exit"/> after.
    /// </summary>
    public IBufferWriter<byte> Enter()
    {
        _lock.Enter();
        return _sealed ? _discarded! : _pending;
    }

    /// <summary>
    /// Between <see cref="Enter"/> and <see cref="Exit"/>, after the protocol's last frame (MQTT's
    /// DISCONNECT, after which nothing may be sent): whatever any thread appends later is dropped,
    /// as if the socket had lost it; what is pending still goes out.
    /// </summary>
    public void Seal()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread, "Seal is called between Enter and Exit");
        _sealed = true;
        _discarded ??= new ArrayBufferWriter<byte>();
    }

    /// <summary>Leaves the lock and wakes the writer loop.</summary>
    public void Exit()
    {
        _discarded?.ResetWrittenCount();
        bool wake = !_wakePending && _pending.WrittenCount > 0;
        if (wake) _wakePending = true;
        LastWriteTicks = Now;
        _lock.Exit();
        if (wake) _wake.Set();
    }

    /// <summary>
    /// Drops both buffers once nothing has been appended for <see cref="IdleTrimMilliseconds"/>,
    /// so an idle connection holds no buffer memory (as RabbitMQ hibernates idle connection
    /// processes). Called by the connection heartbeat's tick, never on the message path.
    /// </summary>
    public void TrimIfIdle(long nowTicks)
    {
        if (nowTicks - LastWriteTicks < IdleTrimMilliseconds) return;
        lock (_lock)
        {
            // The writer loop touches _sending outside the lock only while bytes are in flight.
            if (_pending.WrittenCount != 0 || Interlocked.Read(ref _bytesInFlight) != 0) return;
            if (_pending.Capacity == 0 && _sending.Capacity == 0) return;
            _pending = new ArrayBufferWriter<byte>();
            _sending = new ArrayBufferWriter<byte>();
        }
    }

    /// <summary>
    /// Has the writer loop raise <see cref="Drained"/> once more even if nothing is waiting: a
    /// caller that paused deliveries under broker locks cannot resume them itself, and the
    /// writer may already have sent everything before the pause took effect.
    /// </summary>
    public void RequestDrainedCheck()
    {
        Interlocked.Exchange(ref _drainedCheckRequested, 1);
        _wake.Set();
    }

    /// <summary>Stops the writer loop without sending what is pending: its wait fails.</summary>
    public void Abort() => _wake.Cancel();

    /// <summary>Asks the writer loop to send what is pending and stop.</summary>
    public void Complete()
    {
        lock (_lock) _completed = true;
        _wake.Set();
    }

    /// <summary>The writer loop: runs until <see cref="Complete"/>, <see cref="Abort"/> or the socket closes.</summary>
    public async Task RunAsync(PipeWriter output)
    {
        while (true)
        {
            await _wake.WaitAsync().ConfigureAwait(false);
            bool completed;
            lock (_lock)
            {
                (_pending, _sending) = (_sending, _pending);
                _wakePending = false;
                completed = _completed;
                Interlocked.Exchange(ref _bytesInFlight, _sending.WrittenCount);
            }
            if (_sending.WrittenCount > 0)
            {
                // A flush stuck on a peer that stopped reading ends with the connection's
                // PipeWriter.CancelPendingFlush (e.g. AmqpConnection.Abort), not with a token.
                var result = await output.WriteAsync(_sending.WrittenMemory).ConfigureAwait(false);
                Sent?.Invoke(_sending.WrittenCount);
                // A batch beyond the retained size grows the buffer once; don't keep that much.
                if (_sending.Capacity > MaxRetainedCapacity) _sending = new ArrayBufferWriter<byte>();
                else _sending.ResetWrittenCount();
                Interlocked.Exchange(ref _bytesInFlight, 0);
                Interlocked.Exchange(ref _drainedCheckRequested, 0);
                Drained?.Invoke();
                if (result.IsCompleted || result.IsCanceled) return;
            }
            else if (Interlocked.Exchange(ref _drainedCheckRequested, 0) != 0)
            {
                Drained?.Invoke();
            }
            if (completed)
            {
                lock (_lock)
                {
                    if (_pending.WrittenCount == 0) return;
                }
                _wake.Set();
            }
        }
    }
}
