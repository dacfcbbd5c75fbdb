using Tidings.Sqs.Protocol;

namespace Tidings.Sqs.Actions;

/// <summary>Every action of the SQS API model (../shared/specs/sqs/service-2.json), by name.</summary>
public static class SqsActions
{
    private static readonly Dictionary<string, Func<SqsRequest, Task>> Handlers = new(StringComparer.Ordinal)
    {
        ["CreateQueue"] = QueueActions.CreateQueue,
        ["DeleteQueue"] = QueueActions.DeleteQueue,
        ["GetQueueUrl"] = QueueActions.GetQueueUrl,
        ["ListQueues"] = QueueActions.ListQueues,
        ["GetQueueAttributes"] = QueueActions.GetQueueAttributes,
        ["SetQueueAttributes"] = QueueActions.SetQueueAttributes,
        ["PurgeQueue"] = QueueActions.PurgeQueue,
        ["ListDeadLetterSourceQueues"] = QueueActions.ListDeadLetterSourceQueues,
        ["TagQueue"] = TagActions.TagQueue,
        ["UntagQueue"] = TagActions.UntagQueue,
        ["ListQueueTags"] = TagActions.ListQueueTags,
        ["AddPermission"] = PermissionActions.AddPermission,
        ["RemovePermission"] = PermissionActions.RemovePermission,
        ["SendMessage"] = SendActions.SendMessage,
        ["SendMessageBatch"] = SendActions.SendMessageBatch,
        ["ReceiveMessage"] = ReceiveActions.ReceiveMessage,
        ["DeleteMessage"] = SettleActions.DeleteMessage,
        ["DeleteMessageBatch"] = SettleActions.DeleteMessageBatch,
        ["ChangeMessageVisibility"] = SettleActions.ChangeMessageVisibility,
        ["ChangeMessageVisibilityBatch"] = SettleActions.ChangeMessageVisibilityBatch,
        ["StartMessageMoveTask"] = MoveTaskActions.StartMessageMoveTask,
        ["ListMessageMoveTasks"] = MoveTaskActions.ListMessageMoveTasks,
        ["CancelMessageMoveTask"] = MoveTaskActions.CancelMessageMoveTask,
    };

    /// <summary>The handler of <paramref name="action"/>; null for a name the API does not have.</summary>
    public static Func<SqsRequest, Task>? Find(string action) => Handlers.GetValueOrDefault(action);

    /// <summary>The action names, for tests that check the model is covered.</summary>
    public static IReadOnlyCollection<string> Names => Handlers.Keys;
}
