using Tidings.Core.Messages;

namespace Tidings.Core.Exchanges;

/// <summary>
/// Routes by message headers. A binding's "x-match" argument picks the rule: "all" (default) or
/// "any" of the other arguments must equal the message's headers; "all-with-x"/"any-with-x" also
/// compare arguments starting with "x-". An argument with a void (null) value only requires the
/// header to be present.
/// </summary>
public sealed class HeadersExchange(VirtualHost virtualHost, string name, bool durable, bool autoDelete, bool isInternal,
    IReadOnlyDictionary<string, object?>? arguments) : Exchange(virtualHost, name, durable, autoDelete, isInternal, arguments)
{
    /// <inheritdoc />
    public override string Type => ExchangeTypes.Headers;

    internal override void Match(Message message, List<IBindingDestination> matched)
    {
        var headers = message.Properties.Headers;
        foreach (var binding in Bindings)
            if (Matches(binding.Arguments, headers)) matched.Add(binding.Destination);
    }

    /// <summary>True when <paramref name="headers"/> satisfy the binding <paramref name="arguments"/>.</summary>
    internal static bool Matches(IReadOnlyDictionary<string, object?> arguments, MessageHeaders? headers)
    {
        string mode = FieldValue.AsString(arguments.GetValueOrDefault("x-match")) ?? "all";
        bool any = mode is "any" or "any-with-x";
        bool withX = mode is "all-with-x" or "any-with-x";
        foreach (var (key, expected) in arguments)
        {
            if (key == "x-match" || (!withX && key.StartsWith("x-", StringComparison.Ordinal))) continue;
            bool hit = headers is not null && headers.TryGetValue(key, out var actual) &&
                       (expected is null || FieldValue.AreEqual(expected, actual));
            if (any && hit) return true;
            if (!any && !hit) return false;
        }
        return !any;
    }

    protected override void OnBindingAdded(Binding binding)
    {
        // As RabbitMQ (binding_invalid → precondition_failed): an x-match it cannot read is refused, not
        // guessed. Throwing here leaves the exchange unchanged: AddBinding calls this before it stores anything.
        if (binding.Arguments.TryGetValue("x-match", out var mode) &&
            mode is not ("all" or "any" or "all-with-x" or "any-with-x"))
            throw new BrokerException(BrokerError.PreconditionFailed,
                $"Invalid x-match field value {FieldValue.Describe(mode)}; expected all, any, all-with-x, or any-with-x");
    }

    protected override void OnBindingRemoved(Binding binding) { }
}
