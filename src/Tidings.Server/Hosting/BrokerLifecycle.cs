using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tidings.Core;
using Tidings.Storage;
using Tidings.Storage.Streams;

namespace Tidings.Server.Hosting;

/// <summary>
/// Owns the broker for the host's lifetime and narrates start and stop. It is registered before
/// Kestrel's hosted service, so it starts before any listener accepts a connection, and its
/// StoppedAsync runs after Kestrel has drained connections: in-flight work finishes against a live broker.
/// </summary>
internal sealed class BrokerLifecycle : IHostedLifecycleService, IDisposable
{
    // The broker; disposed exactly once, by StoppedAsync or, when the host never stopped cleanly, by Dispose.
    private readonly Broker _broker;
    // Addresses Kestrel bound, read once it has started.
    private readonly ListenerBindings _bindings;
    // The host's own log category, ServerLog.Category.
    private readonly ILogger _logger;
    // 1 once the broker has been disposed; guards against the second of StoppedAsync and Dispose.
    private int _disposed;
    // Writes durable definitions as they change; created once they have been restored.
    private DefinitionsPersister? _definitions;
    // Persistent messages of durable queues; opened before definitions so queues find their logs.
    private SegmentMessageStore? _messages;
    // Logs of stream queues; opened before definitions so streams find their segments and positions.
    private SegmentStreamStore? _streams;

    public BrokerLifecycle(Broker broker, ListenerBindings bindings, ILoggerFactory loggerFactory)
    {
        _broker = broker;
        _bindings = bindings;
        _logger = loggerFactory.CreateLogger(ServerLog.Category);
        // Every fault a guard contained is logged here, once, with where it was caught.
        broker.Faults.Reported += (where, error) => ServerLog.FaultContained(_logger, where, error);
    }

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        ServerLog.Starting(_logger, ServerVersion.Current, _broker.Options.DataDirectory);
        // Writes stop short of the disk alarm's limit and raise the alarm at once (the watermark
        // samples only every second), so a fast publisher cannot fill the disk between samples.
        _messages = new SegmentMessageStore(Path.Combine(_broker.Options.DataDirectory, "msgs"), _broker.StoreFsyncLatency,
            problem => ServerLog.StoreProblem(_logger, problem), reserveBytes: _broker.Options.DiskFreeLimitBytes,
            onDiskFull: full => _broker.Alarms.Set("disk:store", full), faults: _broker.Faults);
        _broker.MessageStore = _messages;
        _streams = new SegmentStreamStore(Path.Combine(_broker.Options.DataDirectory, "streams"), _broker.StoreFsyncLatency,
            problem => ServerLog.StoreProblem(_logger, problem), _broker.Faults);
        _broker.StreamStore = _streams;
        // Definitions come back before any listener accepts a client, so clients see them at once;
        // each durable queue declared here reads its messages back from its log.
        foreach (var problem in DefinitionsFile.Load(_broker, _broker.Options.DataDirectory))
            ServerLog.DefinitionsProblem(_logger, problem);
        _definitions = new DefinitionsPersister(_broker, _broker.Options.DataDirectory,
            e => ServerLog.DefinitionsWriteFailed(_logger, e.Message));
        ServerLog.BrokerStarted(_logger, _broker.Options.NodeName);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        foreach (var (listener, address) in _bindings.Addresses())
        {
            ServerLog.Listening(_logger, address, listener.DisplayName);
        }
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        ServerLog.ShuttingDown(_logger);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        if (DisposeBroker())
        {
            ServerLog.BrokerStopped(_logger);
        }
        return Task.CompletedTask;
    }

    /// <summary>Runs when the app is disposed; disposes the broker if the host was never stopped (e.g. start failed).</summary>
    public void Dispose() => DisposeBroker();

    private bool DisposeBroker()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return false;
        }
        // The last definitions are written before the broker goes away.
        _definitions?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _broker.Dispose();
        // Everything queued for the disk is written and synced before the process ends.
        _messages?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _streams?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return true;
    }
}
