using System.Net;

namespace Tidings.Sqs.Protocol;

/// <summary>
/// An error answered as AWS answers it. <see cref="Code"/> is the model's shape name (the JSON
/// <c>__type</c>); <see cref="QueryCode"/> the older Query protocol code, also sent in JSON's
/// <c>x-amzn-query-error</c> header, which botocore maps back to its named exceptions.
/// </summary>
public sealed class SqsException(string code, string message, string? queryCode = null,
    HttpStatusCode status = HttpStatusCode.BadRequest, bool senderFault = true) : Exception(message)
{
    /// <summary>Shape name: "QueueDoesNotExist", "InvalidParameterValue".</summary>
    public string Code { get; } = code;

    /// <summary>Query code: "AWS.SimpleQueueService.NonExistentQueue"; the shape name when the model gives none.</summary>
    public string QueryCode { get; } = queryCode ?? code;

    public HttpStatusCode Status { get; } = status;

    /// <summary>True when the client is at fault (Sender), false for the server (Receiver).</summary>
    public bool SenderFault { get; } = senderFault;

    /// <summary>The model's namespace for shape names in JSON's <c>__type</c>.</summary>
    public string JsonType => Code is "SerializationException" or "UnknownOperationException"
        ? "com.amazon.coral.service#" + Code
        : "com.amazonaws.sqs#" + Code;
}
