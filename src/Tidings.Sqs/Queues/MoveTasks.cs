using Tidings.Core.Queues;
using Tidings.Sqs.Protocol;

namespace Tidings.Sqs.Queues;

/// <summary>The broker's message move tasks, newest first per source; at most one running per source, as AWS allows.</summary>
public sealed class MoveTasks
{
    private const int KeptPerSource = 10;
    private readonly Dictionary<string, List<MoveTask>> _bySource = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public MoveTask Start(SqsService service, IQueue source, string sourceArn, string? destinationName, string? destinationArn, int? maxPerSecond)
    {
        MoveTask task;
        lock (_lock)
        {
            if (!_bySource.TryGetValue(sourceArn, out var tasks)) _bySource[sourceArn] = tasks = [];
            if (tasks.Exists(t => t.Status is MoveTask.Running or MoveTask.Cancelling))
                throw SqsErrors.UnsupportedOperation("There is already a task running. Only one active task is allowed for a source queue arn at a given time.");
            task = new MoveTask(sourceArn, destinationArn, maxPerSecond, source.MessageCount, service.Broker.Time.GetUtcNow().ToUnixTimeMilliseconds());
            tasks.Insert(0, task);
            if (tasks.Count > KeptPerSource) tasks.RemoveAt(tasks.Count - 1);
        }
        _ = Task.Run(() => task.RunAsync(service, source, destinationName));
        return task;
    }

    public IReadOnlyList<MoveTask> Of(string sourceArn)
    {
        lock (_lock) return _bySource.TryGetValue(sourceArn, out var tasks) ? [.. tasks] : [];
    }

    public MoveTask? Find(string handle)
    {
        lock (_lock)
        {
            foreach (var tasks in _bySource.Values)
                foreach (var task in tasks)
                    if (task.Handle == handle) return task;
        }
        return null;
    }
}
