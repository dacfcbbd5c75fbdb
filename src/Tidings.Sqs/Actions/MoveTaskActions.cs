using Tidings.Sqs.Protocol;
using Tidings.Sqs.Queues;

namespace Tidings.Sqs.Actions;

/// <summary>
/// StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask: moving a dead-letter
/// queue's messages back to where they came from (no destination) or to a given queue.
/// </summary>
public static class MoveTaskActions
{
    public static Task StartMessageMoveTask(SqsRequest request)
    {
        var service = request.Service;
        string sourceArn = request.Input.Required("SourceArn");
        string sourceName = QueueNames.NameOfArn(sourceArn) ?? throw SqsErrors.InvalidParameterValue($"Value {sourceArn} for parameter SourceArn is invalid.");
        var (source, _) = ResolveOrNotFound(service, sourceName);
        // AWS moves only out of dead-letter queues: some queue must name this one in its RedrivePolicy.
        bool isDeadLetterQueue = service.VirtualHost.Queues.Any(q => service.Catalog.Find(q.Name)?.Settings.Redrive?.TargetArn == sourceArn);
        if (!isDeadLetterQueue)
            throw SqsErrors.InvalidParameterValue("Source queue must be configured as a Dead Letter Queue.");
        string? destinationArn = request.Input.String("DestinationArn");
        string? destinationName = null;
        if (destinationArn is not null)
        {
            destinationName = QueueNames.NameOfArn(destinationArn) ?? throw SqsErrors.InvalidParameterValue($"Value {destinationArn} for parameter DestinationArn is invalid.");
            ResolveOrNotFound(service, destinationName);
        }
        int? rate = request.Input.Int("MaxNumberOfMessagesPerSecond");
        if (rate is < 1 or > 500)
            throw SqsErrors.InvalidParameterValue($"Value {rate} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: must be between 1 and 500.");
        service.Authorize(request.User, Core.Security.Permission.Read, source.Name);
        var task = service.MoveTasks.Start(service, source, sourceArn, destinationName, destinationArn, rate);
        request.Output.String("TaskHandle", task.Handle);
        return Task.CompletedTask;
    }

    public static Task ListMessageMoveTasks(SqsRequest request)
    {
        var service = request.Service;
        string sourceArn = request.Input.Required("SourceArn");
        string sourceName = QueueNames.NameOfArn(sourceArn) ?? throw SqsErrors.InvalidParameterValue($"Value {sourceArn} for parameter SourceArn is invalid.");
        ResolveOrNotFound(service, sourceName);
        int max = request.Input.Int("MaxResults") ?? 1;
        if (max is < 1 or > 10)
            throw SqsErrors.InvalidParameterValue($"Value {max} for parameter MaxResults is invalid. Reason: must be between 1 and 10.");
        var output = request.Output;
        output.StartList("Results", "ListMessageMoveTasksResultEntry");
        foreach (var task in service.MoveTasks.Of(sourceArn).Take(max))
        {
            output.StartItem();
            // Only a running task has a handle to cancel it with.
            if (task.Status == MoveTask.Running) output.String("TaskHandle", task.Handle);
            output.String("Status", task.Status);
            output.String("SourceArn", task.SourceArn);
            output.OptionalString("DestinationArn", task.DestinationArn);
            if (task.MaxPerSecond is { } rate) output.Number("MaxNumberOfMessagesPerSecond", rate);
            output.Number("ApproximateNumberOfMessagesMoved", task.Moved);
            output.Number("ApproximateNumberOfMessagesToMove", task.ToMove);
            output.OptionalString("FailureReason", task.FailureReason);
            output.Number("StartedTimestamp", task.StartedMs);
            output.EndItem();
        }
        output.EndList();
        return Task.CompletedTask;
    }

    public static Task CancelMessageMoveTask(SqsRequest request)
    {
        string handle = request.Input.Required("TaskHandle");
        var task = request.Service.MoveTasks.Find(handle) ?? throw SqsErrors.ResourceNotFound("Task does not exist.");
        if (!task.Cancel()) throw SqsErrors.UnsupportedOperation("Only a running task can be cancelled.");
        request.Output.Number("ApproximateNumberOfMessagesMoved", task.Moved);
        return Task.CompletedTask;
    }

    /// <summary>Move tasks name queues by ARN; a missing one is ResourceNotFoundException there, as AWS answers.</summary>
    private static (Core.Queues.IQueue, SqsQueue) ResolveOrNotFound(SqsService service, string name)
    {
        try
        {
            return service.ResolveName(name);
        }
        catch (SqsException e) when (e.Code == "QueueDoesNotExist")
        {
            throw SqsErrors.ResourceNotFound("The resource that you specified for the SourceArn parameter doesn't exist.");
        }
    }
}
