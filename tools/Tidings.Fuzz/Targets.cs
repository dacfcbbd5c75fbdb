namespace Tidings.Fuzz;

/// <summary>The targets by the name --target takes.</summary>
internal static class Targets
{
    public static readonly IReadOnlyDictionary<string, Func<IFuzzTarget>> All = new Dictionary<string, Func<IFuzzTarget>>(StringComparer.Ordinal)
    {
        ["amqp"] = () => new Amqp.AmqpTarget(),
        ["mqtt"] = () => new Mqtt.MqttTarget(),
        ["management"] = () => new Http.ManagementTarget(),
        ["rest"] = () => new Http.RestTarget(),
        ["definitions"] = () => new Definitions.DefinitionsTarget(),
        ["sqs"] = () => new Sqs.SqsTarget(),
        ["logqueue"] = () => new Http.LogQueueTarget(),
    };
}
