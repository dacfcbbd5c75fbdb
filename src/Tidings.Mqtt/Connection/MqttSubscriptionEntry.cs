using Tidings.Core.Messages;
using Tidings.Mqtt.Protocol;

namespace Tidings.Mqtt.Connection;

/// <summary>
/// One subscription of a client as the connection keeps it: the filter as sent (<c>$share/</c>
/// prefix included), the filter messages are matched with, the options and Subscription
/// Identifier (0 = none), the binding key and the queue it is bound to (the client's own, or the
/// group's shared queue). Everything but a shared subscription lives in the binding's arguments
/// (<see cref="Arguments"/>), so a durable queue's bindings give the subscriptions back.
/// </summary>
internal sealed record MqttSubscriptionEntry(string Filter, string MatchFilter, MqttSubscriptionOptions Options,
    int Identifier, string RoutingKey, string Queue, bool Shared)
{
    /// <summary>Binding argument holding a subscription's granted QoS.</summary>
    public const string QosArgument = "x-mqtt-qos";
    /// <summary>Binding argument: 1 when No Local is set (absent = 0).</summary>
    public const string NoLocalArgument = "x-mqtt-no-local";
    /// <summary>Binding argument: 1 when Retain As Published is set (absent = 0).</summary>
    public const string RetainAsPublishedArgument = "x-mqtt-retain-as-published";
    /// <summary>Binding argument: the Subscription Identifier (absent = none).</summary>
    public const string IdentifierArgument = "x-mqtt-subscription-id";

    public MqttQos Qos => Options.Qos;

    /// <summary>
    /// The binding's arguments. Options at their defaults are left out, so bindings made before
    /// they existed (QoS only) are found again by the same arguments when they are removed.
    /// A shared queue's binding carries none: it belongs to the group, not to one member.
    /// </summary>
    public Dictionary<string, object?>? Arguments()
    {
        if (Shared) return null;
        var arguments = new Dictionary<string, object?> { [QosArgument] = (int)Options.Qos };
        if (Options.NoLocal) arguments[NoLocalArgument] = 1;
        if (Options.RetainAsPublished) arguments[RetainAsPublishedArgument] = 1;
        if (Identifier != 0) arguments[IdentifierArgument] = Identifier;
        return arguments;
    }

    /// <summary>A subscription from a binding of the client's own queue (a resumed or recovered session).</summary>
    public static MqttSubscriptionEntry FromBinding(string filter, string routingKey, string queue, IReadOnlyDictionary<string, object?> arguments)
    {
        long Get(string name, long absent) => arguments.TryGetValue(name, out var value) && FieldValue.AsLong(value) is long v ? v : absent;
        long qos = Get(QosArgument, 1);
        var options = new MqttSubscriptionOptions(qos is >= 0 and <= 2 ? (MqttQos)qos : MqttQos.AtLeastOnce,
            NoLocal: Get(NoLocalArgument, 0) == 1, RetainAsPublished: Get(RetainAsPublishedArgument, 0) == 1);
        return new MqttSubscriptionEntry(filter, filter, options, (int)Get(IdentifierArgument, 0), routingKey, queue, Shared: false);
    }
}
