namespace Tidings.Sqs.Sns;

/// <summary>
/// A filter policy that SNS would refuse. <see cref="Exception.Message"/> is the text AWS returns
/// from SetSubscriptionAttributes ("Invalid parameter: FilterPolicy: ..."); <see cref="Reason"/> is
/// the part after "Invalid parameter: ", which Subscribe wraps as "Invalid parameter: Attributes
/// Reason: ...".
/// </summary>
public sealed class FilterPolicyException : Exception
{
    private const string Prefix = "Invalid parameter: ";

    /// <summary>Creates the exception from the reason text, e.g. "FilterPolicy: Filter policy is too complex".</summary>
    public FilterPolicyException(string reason)
        : base(Prefix + reason)
    {
        Reason = reason;
    }

    /// <summary>The message without the "Invalid parameter: " prefix.</summary>
    public string Reason { get; }
}
