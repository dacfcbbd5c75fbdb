using System.Runtime.CompilerServices;
using Tidings.Core;
using Tidings.Mqtt.Connection;

namespace Tidings.Mqtt.Sessions;

/// <summary>
/// The persistent MQTT sessions of one broker (every vhost, both listeners): their
/// <see cref="MqttSessionState"/> in memory, and on disk in <see cref="MqttSessionFile"/> when the
/// broker keeps persistent messages. Saves group-commit: one loop writes the whole file, fsyncs and
/// completes every save that came before it, so a QoS 2 acknowledgement that waits for its save
/// waits one fsync however many clients save at once. At open it takes over the expiry of the
/// sessions that were detached (or whose connection the crash cut) when the broker went down.
/// </summary>
internal sealed class MqttSessionStore : IDisposable
{
    /// <summary>One store per broker, without a DI registration every host would need.</summary>
    private static readonly ConditionalWeakTable<Broker, MqttSessionStore> Stores = [];
    /// <summary>Serialises opening (rare: once per broker).</summary>
    private static readonly Lock OpenLock = new();

    private readonly Broker _broker;
    /// <summary>The folder of the sessions file; null keeps sessions in memory only.</summary>
    private readonly string? _directory;
    /// <summary>Guards every field below.</summary>
    private readonly Lock _lock = new();
    private readonly Dictionary<string, MqttSessionState> _sessions = new(StringComparer.Ordinal);
    /// <summary>Expiry timers of sessions recovered detached (sessions detached while running expire through the core's DetachedSessions).</summary>
    private readonly Dictionary<string, ITimer> _recoveredExpiry = new(StringComparer.Ordinal);
    /// <summary>The write the next saves join; null when nothing is waiting to be written.</summary>
    private TaskCompletionSource? _round;
    private bool _writing;
    private bool _disposed;

    private MqttSessionStore(Broker broker, string? directory)
    {
        _broker = broker;
        _directory = directory;
    }

    /// <summary>The broker's store, opened (and its detached sessions' expiry scheduled) on first use.</summary>
    public static MqttSessionStore For(Broker broker)
    {
        if (Stores.TryGetValue(broker, out var store)) return store;
        // GetValue may run its factory on two racing threads (the host's start and a first client),
        // and two opens would both rewrite the file: one opens, under a lock.
        lock (OpenLock)
        {
            return Stores.GetValue(broker, static b => Open(b, b.MessageStore is not null ? Path.Combine(b.Options.DataDirectory, MqttSessionFile.FolderName) : null));
        }
    }

    /// <summary>Writes what is pending and forgets the broker's store (host stop), so a restarted broker reads it afresh.</summary>
    public static void Close(Broker broker)
    {
        if (Stores.TryGetValue(broker, out var store))
        {
            Stores.Remove(broker);
            store.Dispose();
        }
    }

    /// <summary>True when saves reach the disk (and are worth waiting for).</summary>
    public bool IsDurable => _directory is not null;

    /// <summary>The stored state of a session; null when none.</summary>
    public MqttSessionState? Find(string virtualHost, string clientId)
    {
        lock (_lock) return _sessions.GetValueOrDefault(MqttSessionState.KeyOf(virtualHost, clientId));
    }

    /// <summary>Records <paramref name="state"/>; the task completes once it is on disk (at once in memory).</summary>
    public Task Save(MqttSessionState state)
    {
        lock (_lock)
        {
            if (_disposed) return Task.CompletedTask;
            _sessions[state.Key] = state;
            // Attached again (or detached anew): the recovered expiry no longer applies.
            if (_recoveredExpiry.Remove(state.Key, out var timer)) timer.Dispose();
            return ScheduleWrite();
        }
    }

    /// <summary>Forgets a session (clean start, expiry, a non-persistent end); the task completes once that is on disk.</summary>
    public Task Remove(string virtualHost, string clientId)
    {
        string key = MqttSessionState.KeyOf(virtualHost, clientId);
        lock (_lock)
        {
            if (_recoveredExpiry.Remove(key, out var timer)) timer.Dispose();
            if (_disposed || !_sessions.Remove(key)) return Task.CompletedTask;
            return ScheduleWrite();
        }
    }

    /// <summary>Waits for the last write, then stops saving.</summary>
    public void Dispose()
    {
        Task? pending;
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var timer in _recoveredExpiry.Values) timer.Dispose();
            _recoveredExpiry.Clear();
            pending = _round?.Task;
        }
        try
        {
            pending?.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // Reported by the write loop.
        }
    }

    private static MqttSessionStore Open(Broker broker, string? directory)
    {
        var store = new MqttSessionStore(broker, directory);
        if (directory is null) return store;
        Directory.CreateDirectory(directory);
        long now = broker.Time.GetUtcNow().ToUnixTimeMilliseconds();
        bool changed = false;
        List<MqttSessionState> saved;
        try
        {
            saved = MqttSessionFile.Read(directory);
        }
        catch (InvalidDataException e)
        {
            // Kept aside for a look, not lost; the sessions' queues and subscriptions are intact, only their expiry and QoS 2 flows are gone.
            broker.Faults.Report("MQTT sessions file: damaged, moved aside", e);
            File.Move(MqttSessionFile.PathIn(directory), MqttSessionFile.PathIn(directory) + ".damaged", overwrite: true);
            saved = [];
        }
        foreach (var state in saved)
        {
            // A session whose connection the crash (or stop) cut was detached then.
            var recovered = state.DetachedAtMs == 0 ? state with { DetachedAtMs = now } : state;
            changed |= recovered.DetachedAtMs != state.DetachedAtMs;
            store._sessions[recovered.Key] = recovered;
            store.ScheduleRecoveredExpiry(recovered, now);
        }
        if (changed) MqttSessionFile.Write(directory, store._sessions.Values, fsync: true);
        return store;
    }

    /// <summary>Deletes a recovered detached session (its queue and state) when its expiry has passed since it was detached.</summary>
    private void ScheduleRecoveredExpiry(MqttSessionState state, long now)
    {
        if (state.ExpirySeconds == uint.MaxValue) return;
        long due = Math.Max(0, state.DetachedAtMs + state.ExpirySeconds * 1000L - now);
        var timer = _broker.Time.CreateTimer(static s =>
        {
            var (store, expired) = ((MqttSessionStore, MqttSessionState))s!;
            // A timer callback: a failure is contained, never the process's end.
            store._broker.Faults.Guard("MQTT session expiry", (store, expired), static t => t.store.Expire(t.expired));
        }, (this, state), TimeSpan.FromMilliseconds(due), Timeout.InfiniteTimeSpan);
        _recoveredExpiry[state.Key] = timer;
    }

    private void Expire(MqttSessionState expired)
    {
        lock (_lock)
        {
            // A client that came back in the meantime saved a newer state: its session lives on.
            if (_disposed || !_sessions.TryGetValue(expired.Key, out var current) || current != expired) return;
            _sessions.Remove(expired.Key);
            if (_recoveredExpiry.Remove(expired.Key, out var timer)) timer.Dispose();
            _ = ScheduleWrite();
        }
        try
        {
            var vhost = _broker.FindVirtualHost(expired.VirtualHost);
            string queue = MqttConnection.QueueNameFor(expired.ClientId);
            if (vhost?.FindQueue(queue) is { ConsumerCount: 0 }) vhost.DeleteQueue(queue);
        }
        catch (BrokerException)
        {
            // Deleted or taken in the meantime.
        }
    }

    /// <summary>Joins the next write (caller holds the lock), starting the loop when it is idle.</summary>
    private Task ScheduleWrite()
    {
        if (_directory is null) return Task.CompletedTask;
        _round ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = _round.Task;
        if (!_writing)
        {
            _writing = true;
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.WriteRounds(), this, preferLocal: false);
        }
        return task;
    }

    /// <summary>Writes rounds until no save is waiting: each round takes a snapshot and completes the saves made before it.</summary>
    private void WriteRounds()
    {
        while (true)
        {
            TaskCompletionSource round;
            MqttSessionState[] snapshot;
            lock (_lock)
            {
                if (_round is null)
                {
                    _writing = false;
                    return;
                }
                round = _round;
                _round = null;
                snapshot = [.. _sessions.Values];
            }
            try
            {
                MqttSessionFile.Write(_directory!, snapshot, fsync: true);
                round.SetResult();
            }
            catch (Exception e)
            {
                // A thread-pool loop: any failure is contained, and the saves of this round learn of it.
                _broker.Faults.Report("MQTT sessions file: write", e);
                round.SetException(e);
            }
        }
    }
}
