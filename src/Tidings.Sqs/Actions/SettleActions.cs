using Tidings.Core.Queues;
using Tidings.Core.Security;
using Tidings.Sqs.Messages;
using Tidings.Sqs.Protocol;

namespace Tidings.Sqs.Actions;

/// <summary>
/// DeleteMessage(Batch) and ChangeMessageVisibility(Batch), by receipt handle. Deleting with a
/// handle whose delivery is over (deleted already, or visible again) succeeds and does nothing,
/// as AWS does; changing the visibility of such a delivery is MessageNotInflight.
/// </summary>
public static class SettleActions
{
    public const int MaxVisibilityTimeout = 43_200;

    public static Task DeleteMessage(SqsRequest request)
    {
        var (core, _) = request.Service.Resolve(request.Input.String("QueueUrl"));
        request.Service.Authorize(request.User, Permission.Read, core.Name);
        Delete(request, core, request.Input.Required("ReceiptHandle"));
        return Task.CompletedTask;
    }

    public static Task DeleteMessageBatch(SqsRequest request)
    {
        var (core, _) = request.Service.Resolve(request.Input.String("QueueUrl"));
        request.Service.Authorize(request.User, Permission.Read, core.Name);
        var entries = BatchEntries.Read(request.Input, "Entries", "DeleteMessageBatchRequestEntry");
        var failed = new List<(string, SqsException)>();
        var output = request.Output;
        var vhost = request.Service.VirtualHost;
        // Found one by one, settled together: one pass under the queue's lock for the whole batch.
        var handles = new List<DeliveryHandle>(entries.Count);
        output.StartList("Successful", "DeleteMessageBatchResultEntry");
        foreach (var (id, entry) in entries)
        {
            try
            {
                var token = TokenOf(core, entry.Required("ReceiptHandle"));
                if (vhost.TryFindDelivery(core.Name, token, out var handle)) handles.Add(handle);
                output.StartItem();
                output.String("Id", id);
                output.EndItem();
            }
            catch (SqsException e)
            {
                failed.Add((id, e));
            }
        }
        output.EndList();
        if (handles.Count > 0) vhost.Settle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(handles), Settlement.Ack);
        BatchEntries.WriteFailed(output, failed);
        return Task.CompletedTask;
    }

    public static Task ChangeMessageVisibility(SqsRequest request)
    {
        var (core, _) = request.Service.Resolve(request.Input.String("QueueUrl"));
        request.Service.Authorize(request.User, Permission.Read, core.Name);
        int timeout = request.Input.Int("VisibilityTimeout") ?? throw SqsErrors.MissingParameter("VisibilityTimeout");
        ChangeVisibility(request, core, request.Input.Required("ReceiptHandle"), timeout);
        return Task.CompletedTask;
    }

    public static Task ChangeMessageVisibilityBatch(SqsRequest request)
    {
        var (core, _) = request.Service.Resolve(request.Input.String("QueueUrl"));
        request.Service.Authorize(request.User, Permission.Read, core.Name);
        var entries = BatchEntries.Read(request.Input, "Entries", "ChangeMessageVisibilityBatchRequestEntry");
        var failed = new List<(string, SqsException)>();
        var output = request.Output;
        output.StartList("Successful", "ChangeMessageVisibilityBatchResultEntry");
        foreach (var (id, entry) in entries)
        {
            try
            {
                int timeout = entry.Int("VisibilityTimeout") ?? throw SqsErrors.MissingParameter("VisibilityTimeout");
                ChangeVisibility(request, core, entry.Required("ReceiptHandle"), timeout);
                output.StartItem();
                output.String("Id", id);
                output.EndItem();
            }
            catch (SqsException e)
            {
                failed.Add((id, e));
            }
        }
        output.EndList();
        BatchEntries.WriteFailed(output, failed);
        return Task.CompletedTask;
    }

    private static void Delete(SqsRequest request, IQueue core, string receipt)
    {
        var token = TokenOf(core, receipt);
        if (request.Service.VirtualHost.TryFindDelivery(core.Name, token, out var handle))
            request.Service.VirtualHost.Settle([handle], Settlement.Ack);
    }

    private static void ChangeVisibility(SqsRequest request, IQueue core, string receipt, int timeout)
    {
        if (timeout is < 0 or > MaxVisibilityTimeout)
            throw SqsErrors.InvalidParameterValue($"Value {timeout} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= {MaxVisibilityTimeout}.");
        var token = TokenOf(core, receipt);
        var vhost = request.Service.VirtualHost;
        if (!vhost.TryFindDelivery(core.Name, token, out var handle) || vhost.ChangeVisibility([handle], TimeSpan.FromSeconds(timeout)) == 0)
            throw SqsErrors.MessageNotInflight();
    }

    /// <summary>The delivery token of a receipt handle made for this queue; ReceiptHandleIsInvalid otherwise.</summary>
    private static DeliveryToken TokenOf(IQueue core, string receipt) =>
        ReceiptHandle.TryDecode(receipt, out string queue, out var token) && queue == core.Name
            ? token
            : throw SqsErrors.ReceiptHandleIsInvalid(receipt);
}
