using Tidings.Core.Security;
using Tidings.Sqs.Protocol;
using Tidings.Sqs.Queues;

namespace Tidings.Sqs.Actions;

/// <summary>
/// AddPermission and RemovePermission. The grants are kept, saved and shown in the queue's Policy
/// attribute as AWS shows them; Tidings enforces its own user permissions, not AWS account grants.
/// </summary>
public static class PermissionActions
{
    private static readonly HashSet<string> Actions = new(StringComparer.Ordinal)
    {
        "*", "SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "GetQueueAttributes", "GetQueueUrl", "ListDeadLetterSourceQueues", "PurgeQueue", "ListQueueTags",
    };

    public static Task AddPermission(SqsRequest request)
    {
        var (core, sqs) = request.Service.Resolve(request.Input.String("QueueUrl"));
        request.Service.Authorize(request.User, Permission.Configure, core.Name);
        string label = request.Input.Required("Label");
        if (label.Length is 0 or > 80 || !label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw SqsErrors.InvalidParameterValue("Value for parameter Label is invalid. Reason: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.");
        var accounts = request.Input.StringList("AWSAccountIds", "AWSAccountId");
        var actions = request.Input.StringList("Actions", "ActionName");
        if (accounts.Count == 0) throw SqsErrors.MissingParameter("AWSAccountIds");
        if (actions.Count == 0) throw SqsErrors.MissingParameter("Actions");
        foreach (var action in actions)
        {
            if (!Actions.Contains(action)) throw SqsErrors.InvalidParameterValue($"Value SQS:{action} for parameter ActionName is invalid. Reason: Please refer to the appropriate WSDL for a list of valid actions.");
        }
        if (!sqs.AddPermission(new QueuePermission(label, accounts, actions)))
            throw SqsErrors.InvalidParameterValue($"Value {label} for parameter Label is invalid. Reason: Already exists.");
        request.Service.Catalog.Save();
        return Task.CompletedTask;
    }

    public static Task RemovePermission(SqsRequest request)
    {
        var (core, sqs) = request.Service.Resolve(request.Input.String("QueueUrl"));
        request.Service.Authorize(request.User, Permission.Configure, core.Name);
        string label = request.Input.Required("Label");
        if (!sqs.RemovePermission(label))
            throw SqsErrors.InvalidParameterValue($"Value {label} for parameter Label is invalid. Reason: can't find label on existing policy.");
        request.Service.Catalog.Save();
        return Task.CompletedTask;
    }
}
