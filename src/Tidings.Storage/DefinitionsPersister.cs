using Tidings.Core;

namespace Tidings.Storage;

/// <summary>
/// Keeps <see cref="DefinitionsFile"/> up to date: every definitions change marks the file
/// stale, and one background loop rewrites it at most every <see cref="MaxDelay"/>, so a burst
/// of thousands of declarations costs a few writes instead of thousands. Disposing writes the
/// last state. A crash loses at most the changes of the last <see cref="MaxDelay"/>.
/// </summary>
public sealed class DefinitionsPersister : IAsyncDisposable
{
    /// <summary>Longest time a change waits before it is on disk.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(100);

    private readonly Broker _broker;
    private readonly string _directory;
    private readonly SemaphoreSlim _changed = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    /// <summary>1 when a change has not been written yet. Interlocked.</summary>
    private int _stale;

    public DefinitionsPersister(Broker broker, string directory, Action<Exception>? onWriteError = null)
    {
        _broker = broker;
        _directory = directory;
        OnWriteError = onWriteError;
        broker.DefinitionsChanged += MarkStale;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Told when writing fails (e.g. disk full); the write is retried on the next change.</summary>
    public Action<Exception>? OnWriteError { get; }

    /// <summary>Writes now if anything changed (also used by tests and shutdown).</summary>
    public void Flush()
    {
        if (Interlocked.Exchange(ref _stale, 0) == 0) return;
        try
        {
            DefinitionsFile.Save(_broker, _directory);
        }
        catch (Exception e)
        {
            // Not only I/O errors: whatever fails, the loop must live on and retry on the next change.
            Interlocked.Exchange(ref _stale, 1);
            OnWriteError?.Invoke(e);
        }
    }

    private void MarkStale()
    {
        if (Interlocked.Exchange(ref _stale, 1) == 0) _changed.Release();
    }

    private async Task RunAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await _changed.WaitAsync(_stop.Token).ConfigureAwait(false);
                await Task.Delay(MaxDelay, _stop.Token).ConfigureAwait(false);
                Flush();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _broker.DefinitionsChanged -= MarkStale;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        Flush();
        _stop.Dispose();
        _changed.Dispose();
    }
}
