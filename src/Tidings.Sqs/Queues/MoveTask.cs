using Tidings.Core.Queues;
using Tidings.Sqs.Actions;
using Tidings.Sqs.Messages;

namespace Tidings.Sqs.Queues;

/// <summary>
/// One StartMessageMoveTask: moves the messages a dead-letter queue held when it started, each
/// to the given destination or back to the queue it was dead-lettered from, at most
/// MaxNumberOfMessagesPerSecond. Runs on the thread pool until done or cancelled.
/// </summary>
public sealed class MoveTask
{
    public const string Running = "RUNNING";
    public const string Completed = "COMPLETED";
    public const string Cancelling = "CANCELLING";
    public const string Cancelled = "CANCELLED";
    public const string Failed = "FAILED";

    private readonly CancellationTokenSource _cancel = new();
    private readonly Lock _lock = new();
    private string _status = Running;
    private long _moved;

    internal MoveTask(string sourceArn, string? destinationArn, int? maxPerSecond, long toMove, long startedMs)
    {
        SourceArn = sourceArn;
        DestinationArn = destinationArn;
        MaxPerSecond = maxPerSecond;
        ToMove = toMove;
        StartedMs = startedMs;
    }

    public string Handle { get; } = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
    public string SourceArn { get; }
    public string? DestinationArn { get; }
    public int? MaxPerSecond { get; }
    public long ToMove { get; }
    public long StartedMs { get; }
    public long Moved => Interlocked.Read(ref _moved);
    public string? FailureReason { get; private set; }
    public string Status { get { lock (_lock) return _status; } }

    /// <summary>Asks a running task to stop; false when it is not running.</summary>
    public bool Cancel()
    {
        lock (_lock)
        {
            if (_status != Running) return false;
            _status = Cancelling;
        }
        _cancel.Cancel();
        return true;
    }

    internal async Task RunAsync(SqsService service, IQueue source, string? destinationName)
    {
        var time = service.Broker.Time;
        var batch = new List<QueueDelivery>(10);
        try
        {
            while (Moved < ToMove && !_cancel.IsCancellationRequested)
            {
                int want = (int)Math.Min(10, ToMove - Moved);
                if (MaxPerSecond is { } rate) want = Math.Min(want, rate);
                var started = time.GetUtcNow();
                batch.Clear();
                service.VirtualHost.Receive(source.Name, null, want, TimeSpan.FromMinutes(1), batch);
                if (batch.Count == 0) break;
                foreach (var group in batch.GroupBy(d => destinationName ?? OriginOf(d)))
                {
                    if (group.Key is null || service.VirtualHost.FindQueue(group.Key) is null)
                    {
                        // Nowhere to go: back to the dead-letter queue, and the task fails as AWS's does.
                        service.VirtualHost.Settle([.. group.Select(d => d.Handle)], Settlement.Requeue);
                        Fail("A message has no source queue to return to, or its queue no longer exists.");
                        return;
                    }
                    await Redrive.MoveAsync(service, source, [.. group], group.Key).ConfigureAwait(false);
                    Interlocked.Add(ref _moved, group.Count());
                }
                if (MaxPerSecond is not null)
                {
                    var rest = TimeSpan.FromSeconds(1) - (time.GetUtcNow() - started);
                    if (rest > TimeSpan.Zero) await Task.Delay(rest, time, _cancel.Token).ConfigureAwait(false);
                }
            }
            Finish(_cancel.IsCancellationRequested ? Cancelled : Completed);
        }
        catch (OperationCanceledException)
        {
            Finish(Cancelled);
        }
        catch (Exception e)
        {
            service.Broker.Faults.Report("SQS message move task", e);
            Fail(e.Message);
        }
    }

    private static string? OriginOf(QueueDelivery delivery) =>
        SqsMessageMapping.Header(delivery.Message, SqsHeaders.DeadLetterSourceArn) is { } arn ? QueueNames.NameOfArn(arn) : null;

    private void Fail(string reason)
    {
        FailureReason = reason;
        Finish(Failed);
    }

    private void Finish(string status)
    {
        lock (_lock) _status = status;
    }
}
