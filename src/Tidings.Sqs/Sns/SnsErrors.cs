using System.Net;
using Tidings.Core;
using Tidings.Sqs.Protocol;

namespace Tidings.Sqs.Sns;

/// <summary>The errors of the SNS API (Query codes as the SNS API reference lists them: NotFound 404, InvalidParameter 400, AuthorizationError 403, ...).</summary>
public static class SnsErrors
{
    private static SqsException Error(string code, string message, HttpStatusCode status = HttpStatusCode.BadRequest, bool senderFault = true) =>
        new(code, message, code, status, senderFault);

    public static SqsException TopicNotFound() => Error("NotFound", "Topic does not exist", HttpStatusCode.NotFound);

    public static SqsException SubscriptionNotFound() => Error("NotFound", "Subscription does not exist", HttpStatusCode.NotFound);

    public static SqsException ResourceNotFound() => Error("ResourceNotFound", "Resource does not exist", HttpStatusCode.NotFound);

    /// <summary>InvalidParameter; <paramref name="detail"/> follows AWS's "Invalid parameter: " prefix.</summary>
    public static SqsException InvalidParameter(string detail) => Error("InvalidParameter", "Invalid parameter: " + detail);

    /// <summary>A message attribute SNS refuses (the model's InvalidParameterValueException).</summary>
    public static SqsException ParameterValueInvalid(string message) => Error("ParameterValueInvalid", message);

    public static SqsException AuthorizationError(string message) => Error("AuthorizationError", message, HttpStatusCode.Forbidden);

    public static SqsException TagLimitExceeded() =>
        Error("TagLimitExceeded", "Could not complete request: tag quota of per resource exceeded");

    public static SqsException EmptyBatchRequest() =>
        Error("EmptyBatchRequest", "The batch request doesn't contain any entries.");

    public static SqsException TooManyEntriesInBatchRequest() =>
        Error("TooManyEntriesInBatchRequest", "The batch request contains more entries than permissible.");

    public static SqsException BatchEntryIdsNotDistinct() =>
        Error("BatchEntryIdsNotDistinct", "Two or more batch entries in the request have the same Id.");

    public static SqsException InvalidBatchEntryId() =>
        Error("InvalidBatchEntryId", "The Id of a batch entry in a batch request doesn't abide by the specification.");

    public static SqsException BatchRequestTooLong() =>
        Error("BatchRequestTooLong", "The length of all the messages put together is more than the limit.");

    public static SqsException InvalidAction(string action) =>
        Error("InvalidAction", $"The action {action} is not valid for this endpoint.");

    public static SqsException Internal() =>
        Error("InternalError", "Internal Error", HttpStatusCode.InternalServerError, senderFault: false);

    /// <summary>A core refusal in SNS terms.</summary>
    public static SqsException FromBroker(BrokerException e) => e.Error switch
    {
        BrokerError.AccessRefused => AuthorizationError(e.Message),
        BrokerError.NotFound => TopicNotFound(),
        BrokerError.ResourceError => Error("ServiceUnavailable", e.Message, HttpStatusCode.ServiceUnavailable, senderFault: false),
        _ => InvalidParameter(e.Message),
    };
}
