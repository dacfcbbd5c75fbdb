using RabbitMQ.Client;

namespace Tidings.Server.Cli;

/// <summary>Flags the client verbs share: where the broker is.</summary>
internal static class AmqpClientFlags
{
    public const string DefaultUrl = "amqp://guest:guest@127.0.0.1:5672/";

    public static Flag Url { get; } = new("--url", "amqp-url", "Broker to talk to, as amqp://user:password@host:port/vhost.")
    {
        Default = DefaultUrl,
        Validate = value => Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "amqp"
            ? null
            : "expected an amqp:// URL",
    };

    public static ConnectionFactory Factory(ParsedArguments arguments) => new()
    {
        Uri = new Uri(arguments[Url.Name] ?? DefaultUrl),
        ClientProvidedName = "tidings " + arguments.Verb.Name,
    };

    public static int ParseCount(ParsedArguments arguments, Flag flag, int fallback)
    {
        string? text = arguments[flag.Name];
        if (text is null) return fallback;
        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n)
            ? n
            : throw new UsageException($"{flag.Name}: expected a whole number");
    }

    public static string? Count(string value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)
            ? null
            : "expected a whole number";
}
