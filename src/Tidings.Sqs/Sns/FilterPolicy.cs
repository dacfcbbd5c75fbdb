namespace Tidings.Sqs.Sns;

/// <summary>
/// A subscription's filter policy, parsed and validated once, then matched against each published
/// message. Semantics follow the SNS documentation: the policy's keys are ANDed, the values in a
/// key's array are ORed, "$or" ORs whole sub-policies; a String.Array attribute (or a JSON array in
/// the body) matches when any element does; Number attributes compare numerically; Binary
/// attributes are ignored. An empty policy ("{}") accepts every message.
/// </summary>
public sealed class FilterPolicy
{
    // The validated policy tree; immutable, so one policy may be matched from many threads.
    private readonly FilterPolicyNode _root;

    private FilterPolicy(FilterPolicyNode root, FilterPolicyScope scope)
    {
        _root = root;
        Scope = scope;
    }

    /// <summary>Whether <see cref="Matches"/> looks at the attributes or at the body.</summary>
    public FilterPolicyScope Scope { get; }

    /// <summary>
    /// Parses a FilterPolicy subscription attribute. Throws <see cref="FilterPolicyException"/> with
    /// AWS's reason for a policy SNS refuses: invalid JSON, nesting under MessageAttributes scope,
    /// more than five keys, more than 150 combinations, over 256 KB, or a malformed match expression.
    /// </summary>
    public static FilterPolicy Parse(string policyJson, FilterPolicyScope scope) =>
        new(FilterPolicyParser.Parse(policyJson, scope), scope);

    /// <summary>
    /// Whether a message passes the policy. Only the input the scope names is read: the attributes
    /// for <see cref="FilterPolicyScope.MessageAttributes"/>, the body for
    /// <see cref="FilterPolicyScope.MessageBody"/> (a body that is not a JSON object has no keys).
    /// </summary>
    public bool Matches(IReadOnlyDictionary<string, SnsAttributeValue> attributes, string body)
    {
        var subject = Scope == FilterPolicyScope.MessageAttributes
            ? FilterSubject.ForAttributes(attributes)
            : FilterSubject.ForBody(body);
        return _root.Matches(subject);
    }
}
