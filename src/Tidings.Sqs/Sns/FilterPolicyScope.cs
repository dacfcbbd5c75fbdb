namespace Tidings.Sqs.Sns;

/// <summary>
/// What a subscription's filter policy is matched against: the message attributes (AWS's default)
/// or the message body parsed as a JSON object.
/// </summary>
public enum FilterPolicyScope
{
    /// <summary>The publish request's message attributes; nested policies are refused.</summary>
    MessageAttributes,

    /// <summary>The message body as JSON; nested policy keys follow nested body properties.</summary>
    MessageBody,
}
