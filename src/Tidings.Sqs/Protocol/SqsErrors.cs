using System.Net;

namespace Tidings.Sqs.Protocol;

/// <summary>The errors of the SQS API, with AWS's codes and wording (../shared/specs/sqs/NOTES.md §4).</summary>
public static class SqsErrors
{
    public static SqsException QueueDoesNotExist() =>
        new("QueueDoesNotExist", "The specified queue does not exist.", "AWS.SimpleQueueService.NonExistentQueue");

    public static SqsException QueueNameExists(string name) =>
        new("QueueNameExists", $"A queue already exists with the same name and a different value for attribute(s) of '{name}'.", "QueueAlreadyExists");

    public static SqsException InvalidParameterValue(string message) => new("InvalidParameterValue", message);

    public static SqsException MissingParameter(string name) =>
        new("MissingParameter", $"The request must contain the parameter {name}.");

    public static SqsException InvalidAttributeName(string name) =>
        new("InvalidAttributeName", $"Unknown Attribute {name}.");

    public static SqsException InvalidAttributeValue(string message) => new("InvalidAttributeValue", message);

    public static SqsException InvalidMessageContents(string message) => new("InvalidMessageContents", message);

    public static SqsException ReceiptHandleIsInvalid(string handle) =>
        new("ReceiptHandleIsInvalid", $"The input receipt handle \"{handle}\" is not a valid receipt handle.");

    public static SqsException MessageNotInflight() =>
        new("MessageNotInflight", "The message referred to isn't in flight.", "AWS.SimpleQueueService.MessageNotInflight");

    public static SqsException EmptyBatchRequest() =>
        new("EmptyBatchRequest", "There should be at least one entry in the request.", "AWS.SimpleQueueService.EmptyBatchRequest");

    public static SqsException TooManyEntriesInBatchRequest(int count) =>
        new("TooManyEntriesInBatchRequest", $"Maximum number of entries per request are 10. You have sent {count}.",
            "AWS.SimpleQueueService.TooManyEntriesInBatchRequest");

    public static SqsException BatchEntryIdsNotDistinct(string id) =>
        new("BatchEntryIdsNotDistinct", $"Id {id} repeated.", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct");

    public static SqsException InvalidBatchEntryId(string id) =>
        new("InvalidBatchEntryId", $"A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long. Got '{id}'.",
            "AWS.SimpleQueueService.InvalidBatchEntryId");

    public static SqsException BatchRequestTooLong(long bytes, int limit) =>
        new("BatchRequestTooLong", $"Batch requests cannot be longer than {limit} bytes. You have sent {bytes} bytes.",
            "AWS.SimpleQueueService.BatchRequestTooLong");

    public static SqsException PurgeQueueInProgress(string name) =>
        new("PurgeQueueInProgress", $"Only one PurgeQueue operation on {name} is allowed every 60 seconds.",
            "AWS.SimpleQueueService.PurgeQueueInProgress", HttpStatusCode.Forbidden);

    public static SqsException UnsupportedOperation(string message) =>
        new("UnsupportedOperation", message, "AWS.SimpleQueueService.UnsupportedOperation");

    public static SqsException OverLimit(string message) => new("OverLimit", message, status: HttpStatusCode.Forbidden);

    public static SqsException ResourceNotFound(string message) => new("ResourceNotFoundException", message, "ResourceNotFoundException", HttpStatusCode.BadRequest);

    public static SqsException InvalidAction(string action) =>
        new("InvalidAction", $"The action {action} is not valid for this endpoint.", status: HttpStatusCode.BadRequest);

    public static SqsException UnknownOperation(string target) =>
        new("UnknownOperationException", $"Unknown operation {target}.");

    public static SqsException Serialization(string message) => new("SerializationException", message);

    public static SqsException MalformedQueryString(string message) => new("MalformedQueryString", message, status: HttpStatusCode.BadRequest);

    public static SqsException AccessDenied(string message) =>
        new("AccessDenied", message, "AccessDenied", HttpStatusCode.Forbidden);

    public static SqsException InvalidClientTokenId() =>
        new("InvalidClientTokenId", "The security token included in the request is invalid.", "InvalidClientTokenId", HttpStatusCode.Forbidden);

    public static SqsException SignatureDoesNotMatch() =>
        new("SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
            "SignatureDoesNotMatch", HttpStatusCode.Forbidden);

    public static SqsException MissingAuthenticationToken() =>
        new("MissingAuthenticationToken", "Request is missing Authentication Token", "MissingAuthenticationToken", HttpStatusCode.Forbidden);

    public static SqsException RequestExpired(string message) =>
        new("RequestExpired", message, "RequestExpired", HttpStatusCode.BadRequest);

    public static SqsException IncompleteSignature(string message) =>
        new("IncompleteSignature", message, "IncompleteSignature", HttpStatusCode.BadRequest);

    public static SqsException RequestTooLarge(int limit) =>
        new("RequestEntityTooLarge", $"Request body larger than {limit} bytes.", status: HttpStatusCode.RequestEntityTooLarge);

    public static SqsException Internal() =>
        new("InternalFailure", "The request processing has failed because of an unknown error, exception or failure.",
            "InternalFailure", HttpStatusCode.InternalServerError, senderFault: false);
}
