using System.Diagnostics;
using System.Runtime.CompilerServices;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Tidings.PerfTest;

/// <summary>
/// One publishing connection and channel. Publishes one reused body with one reused properties
/// instance; with confirms it keeps at most --confirm publishes unconfirmed, tracking them itself from
/// basic.ack/basic.nack (the client's per-publish confirmation tracking allocates a task per message).
/// </summary>
internal sealed class Producer : IAsyncDisposable
{
    // How long a stopping producer still waits for outstanding confirms before giving up on them.
    private static readonly TimeSpan s_confirmGrace = TimeSpan.FromSeconds(5);

    private readonly PerfTestOptions _options;
    private readonly RunControl _control;
    private readonly IConnection _connection;
    private readonly IChannel _channel;

    // Encoded once: the string overload of BasicPublishAsync re-encodes both names per publish.
    private readonly CachedString _exchange;
    private readonly CachedString[] _routingKeys;

    // Reused for every publish: BasicPublishAsync serializes properties and copies the body into its
    // own pooled frame buffer before its ValueTask completes, and publishes are awaited one at a time.
    private readonly BasicProperties _properties;
    private readonly byte[] _body;

    // Free slots of the confirm window (null without confirms); released by acks and nacks.
    private readonly SemaphoreSlim? _window;

    // Guards _pending, _nextSeq, _lowestUnsettled, _doneSending; taken by the publish loop and by the
    // connection's ack dispatch.
    private readonly Lock _confirmLock = new();

    // Ring of unsettled sequence numbers, indexed by seq % length; at most --confirm are unsettled and
    // all lie in [_lowestUnsettled, _lowestUnsettled + length).
    private readonly bool[] _pending;

    // Sequence number the broker gives the next publish (confirm.select starts at 1).
    private ulong _nextSeq = 1;

    // Oldest sequence number that is not settled yet; == _nextSeq when nothing is outstanding.
    private ulong _lowestUnsettled = 1;

    // Set when the loop publishes no more; with nothing outstanding it completes _drained.
    private bool _doneSending;

    // Completed when sending is done and every publish is settled.
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Counters: each has one writer (the publish loop, or the ack dispatch), read by the reporter.
    private long _sent;
    private long _confirmed;
    private long _nacked;
    private long _returned;
    private long _firstPublishTimestamp;
    private long _lastPublishTimestamp;
    private long _lastSettleTimestamp;

    private Producer(PerfTestOptions options, RunControl control, IConnection connection, IChannel channel, int index, long nonce)
    {
        _options = options;
        _control = control;
        _connection = connection;
        _channel = channel;
        IReadOnlyList<string> queues = options.QueueNames;
        if (options.ExchangeType == PerfExchangeType.Fanout)
        {
            _exchange = new CachedString(options.FanoutExchangeName);
            _routingKeys = [new CachedString("")];
        }
        else
        {
            _exchange = new CachedString("");
            // Start each producer on a different queue so P producers over Q queues spread evenly.
            _routingKeys = [.. Enumerable.Range(0, queues.Count).Select(i => new CachedString(queues[(i + index) % queues.Count]))];
        }
        _properties = new BasicProperties
        {
            DeliveryMode = options.Persistent ? DeliveryModes.Persistent : DeliveryModes.Transient,
        };
        _body = MessageBody.Create(options.Size, nonce);
        if (options.Confirm > 0)
        {
            _window = new SemaphoreSlim(options.Confirm, options.Confirm);
            // Twice the window, so out-of-order acks rarely make a new publish wait for a ring slot.
            _pending = new bool[2 * options.Confirm];
            _channel.BasicAcksAsync += OnAckAsync;
            _channel.BasicNacksAsync += OnNackAsync;
        }
        else
        {
            _pending = [];
        }
        _channel.BasicReturnAsync += OnReturnAsync;
    }

    public long Sent => Volatile.Read(ref _sent);
    public long Confirmed => Volatile.Read(ref _confirmed);
    public long Nacked => Volatile.Read(ref _nacked);
    public long Returned => Volatile.Read(ref _returned);
    public long Outstanding => _window is null ? 0 : Math.Max(0, Sent - Confirmed - Nacked);
    public long FirstPublishTimestamp => Volatile.Read(ref _firstPublishTimestamp);

    /// <summary>When this producer's work ended: its last publish, or its last confirm when confirming.</summary>
    public long EndTimestamp => _window is null ? Volatile.Read(ref _lastPublishTimestamp) : Volatile.Read(ref _lastSettleTimestamp);

    public static async Task<Producer> CreateAsync(ConnectionFactory factory, PerfTestOptions options, RunControl control,
        int index, long nonce, CancellationToken cancellationToken)
    {
        IConnection connection = await factory.CreateConnectionAsync($"tidings-perftest producer {index}", cancellationToken);
        try
        {
            IChannel channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: options.Confirm > 0, publisherConfirmationTrackingEnabled: false),
                cancellationToken);
            control.Watch(connection, channel, $"producer {index}");
            return new Producer(options, control, connection, channel, index, nonce);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Publishes until --pmessages (then waits for their confirms) or until the run stops.</summary>
    public async Task RunAsync()
    {
        CancellationToken stop = _control.StopToken;
        long limit = _options.PMessages;
        bool limitReached = false;
        try
        {
            if (_options.Rate > 0)
            {
                limitReached = await PublishPacedAsync(limit, stop);
            }
            else
            {
                while (!stop.IsCancellationRequested && (limit == 0 || _sent < limit))
                {
                    await PublishOneAsync(stop);
                }
                limitReached = limit > 0 && _sent >= limit;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run ended while this producer waited for a window slot or a pacing tick.
        }
        catch (Exception ex)
        {
            _control.Fail($"producer: publish failed: {ex.Message}");
        }
        MarkDoneSending();
        if (limitReached && _window is not null)
        {
            try
            {
                await _drained.Task.WaitAsync(stop);
            }
            catch (OperationCanceledException)
            {
                // The run ended first; DrainAsync gives the stragglers a grace period.
            }
        }
    }

    /// <summary>After the run stopped: waits a short while for confirms still outstanding.</summary>
    public async Task DrainAsync()
    {
        MarkDoneSending();
        if (_window is not null && _control.Error is null)
        {
            try
            {
                await _drained.Task.WaitAsync(s_confirmGrace);
            }
            catch (TimeoutException)
            {
                // Reported as published but unconfirmed: the JSON shows confirmed < published.
            }
        }
    }

    // Fixed rate: every millisecond work out how many messages should have gone by now and send the
    // difference, so pacing costs one timer wake-up per millisecond, not one per message.
    private async Task<bool> PublishPacedAsync(long limit, CancellationToken stop)
    {
        long start = Stopwatch.GetTimestamp();
        double perTick = (double)_options.Rate / Stopwatch.Frequency;
        // Never burst more than 100 ms worth after a stall (a GC pause, a blocked connection): slots
        // missed beyond that are skipped, not owed, so the rate stays a rate rather than a debt.
        long maxBurst = Math.Max(1, _options.Rate / 10);
        long scheduled = 0;
        while (!stop.IsCancellationRequested)
        {
            long due = (long)((Stopwatch.GetTimestamp() - start) * perTick) + 1;
            scheduled = Math.Max(scheduled, due - maxBurst);
            while (scheduled < due && !stop.IsCancellationRequested && (limit == 0 || _sent < limit))
            {
                await PublishOneAsync(stop);
                scheduled++;
            }
            if (limit > 0 && _sent >= limit)
            {
                return true;
            }
            await Task.Delay(1, stop);
        }
        return false;
    }

    // Pooled: once the client's bounded frame queue fills, every publish completes asynchronously, and
    // an unpooled async ValueTask would then allocate its state machine per message.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask PublishOneAsync(CancellationToken stop)
    {
        if (_window is not null)
        {
            await _window.WaitAsync(stop);
            while (!TryMarkPending())
            {
                // A publish older than the ring is still unconfirmed while later ones were confirmed
                // (out-of-order single acks): its slot is taken, wait for it.
                await Task.Delay(1, stop);
            }
        }
        long sent = _sent;
        CachedString routingKey = _routingKeys[sent % _routingKeys.Length];
        long now = Stopwatch.GetTimestamp();
        MessageBody.Stamp(_body, now);
        if (sent == 0)
        {
            Volatile.Write(ref _firstPublishTimestamp, now);
        }
        // Counted before the publish so an ack racing the return of BasicPublishAsync never makes
        // "outstanding" negative.
        Volatile.Write(ref _sent, sent + 1);
        await _channel.BasicPublishAsync(_exchange, routingKey, mandatory: false, _properties, _body, CancellationToken.None);
        Volatile.Write(ref _lastPublishTimestamp, Stopwatch.GetTimestamp());
    }

    private bool TryMarkPending()
    {
        lock (_confirmLock)
        {
            if (_nextSeq - _lowestUnsettled >= (ulong)_pending.Length)
            {
                return false;
            }
            _pending[_nextSeq % (ulong)_pending.Length] = true;
            _nextSeq++;
            return true;
        }
    }

    private void MarkDoneSending()
    {
        if (_window is null)
        {
            return;
        }
        lock (_confirmLock)
        {
            _doneSending = true;
            if (_lowestUnsettled == _nextSeq)
            {
                _drained.TrySetResult();
            }
        }
    }

    private Task OnAckAsync(object sender, BasicAckEventArgs e)
    {
        Settle(e.DeliveryTag, e.Multiple, nacked: false);
        return Task.CompletedTask;
    }

    private Task OnNackAsync(object sender, BasicNackEventArgs e)
    {
        Settle(e.DeliveryTag, e.Multiple, nacked: true);
        _control.Fail($"producer: broker nacked publish {e.DeliveryTag}{(e.Multiple ? " (multiple)" : "")}", RunControl.ExitNacked);
        return Task.CompletedTask;
    }

    private Task OnReturnAsync(object sender, BasicReturnEventArgs e)
    {
        Interlocked.Increment(ref _returned);
        return Task.CompletedTask;
    }

    // Runs on the connection's dispatch, one ack at a time per channel.
    private void Settle(ulong tag, bool multiple, bool nacked)
    {
        int settled = 0;
        lock (_confirmLock)
        {
            ulong length = (ulong)_pending.Length;
            if (multiple)
            {
                for (ulong seq = _lowestUnsettled; seq <= tag && seq < _nextSeq; seq++)
                {
                    if (_pending[seq % length])
                    {
                        _pending[seq % length] = false;
                        settled++;
                    }
                }
            }
            else if (tag >= _lowestUnsettled && tag < _nextSeq && _pending[tag % length])
            {
                _pending[tag % length] = false;
                settled = 1;
            }
            while (_lowestUnsettled < _nextSeq && !_pending[_lowestUnsettled % length])
            {
                _lowestUnsettled++;
            }
            if (settled > 0)
            {
                if (nacked)
                {
                    Volatile.Write(ref _nacked, _nacked + settled);
                }
                else
                {
                    Volatile.Write(ref _confirmed, _confirmed + settled);
                }
                Volatile.Write(ref _lastSettleTimestamp, Stopwatch.GetTimestamp());
            }
            if (_doneSending && _lowestUnsettled == _nextSeq)
            {
                _drained.TrySetResult();
            }
        }
        if (settled > 0)
        {
            _window!.Release(settled);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _channel.CloseAsync();
            await _connection.CloseAsync();
        }
        catch (Exception)
        {
            // Already closed by the broker; the failure was reported when it happened.
        }
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
        _window?.Dispose();
    }
}
