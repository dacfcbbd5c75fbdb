namespace Tidings.Sqs.Protocol;

/// <summary>The two wire protocols of the SQS API; every current SDK speaks JSON, older ones (Debian 12's boto3, AWS CLI) Query.</summary>
public enum WireProtocol
{
    /// <summary>AWS JSON 1.0: <c>X-Amz-Target: AmazonSQS.&lt;Action&gt;</c>, a JSON body and reply.</summary>
    Json,
    /// <summary>AWS Query: form-encoded <c>Action=…</c>, XML replies.</summary>
    Query,
}
