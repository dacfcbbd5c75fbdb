using System.Text.Json;

namespace Tidings.Sqs.Sns;

/// <summary>The attributes a subscription may be given, and their checks.</summary>
public static class SubscriptionAttributes
{
    public const string RawMessageDelivery = "RawMessageDelivery";
    public const string FilterPolicy = "FilterPolicy";
    public const string FilterPolicyScope = "FilterPolicyScope";

    /// <summary>Settable names; the last three are accepted and kept, not acted on.</summary>
    public static readonly IReadOnlySet<string> Settable = new HashSet<string>(StringComparer.Ordinal)
    {
        RawMessageDelivery, FilterPolicy, FilterPolicyScope, "DeliveryPolicy", "RedrivePolicy", "SubscriptionRoleArn",
    };

    /// <summary>The parsed filter policy (null: none) and the raw flag; InvalidParameter for a bad value.</summary>
    public static (Sns.FilterPolicy? Filter, bool Raw) Parse(IReadOnlyDictionary<string, string> attributes)
    {
        foreach (var name in attributes.Keys)
            if (!Settable.Contains(name)) throw SnsErrors.InvalidParameter($"Attributes Reason: Unknown attribute: {name}");
        bool raw = false;
        if (attributes.TryGetValue(RawMessageDelivery, out var rawText))
        {
            raw = rawText.ToLowerInvariant() switch
            {
                "true" => true,
                "false" => false,
                _ => throw SnsErrors.InvalidParameter($"Attributes Reason: RawMessageDelivery: Invalid value [{rawText}]. Must be true or false."),
            };
        }
        var scope = Sns.FilterPolicyScope.MessageAttributes;
        if (attributes.TryGetValue(FilterPolicyScope, out var scopeText))
        {
            scope = scopeText switch
            {
                "MessageAttributes" => Sns.FilterPolicyScope.MessageAttributes,
                "MessageBody" => Sns.FilterPolicyScope.MessageBody,
                _ => throw SnsErrors.InvalidParameter($"Attributes Reason: FilterPolicyScope: Invalid value [{scopeText}]. Please use either MessageBody or MessageAttributes"),
            };
        }
        Sns.FilterPolicy? filter = null;
        if (attributes.TryGetValue(FilterPolicy, out var policy) && policy.Length > 0)
        {
            try
            {
                filter = Sns.FilterPolicy.Parse(policy, scope);
            }
            catch (FilterPolicyException e)
            {
                throw SnsErrors.InvalidParameter(e.Reason);
            }
        }
        foreach (var name in (string[])["DeliveryPolicy", "RedrivePolicy"])
        {
            if (attributes.TryGetValue(name, out var json) && json.Length > 0 && !IsJsonObject(json))
                throw SnsErrors.InvalidParameter($"{name}: failed to parse JSON.");
        }
        return (filter, raw);
    }

    public static bool IsJsonObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
