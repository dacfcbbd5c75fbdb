using System.Text;
using Tidings.Core.Messages;
using Tidings.Core.Sessions;

namespace Tidings.Core.Tests.Support;

/// <summary>Shortcuts for the text bodies and argument tables the tests use.</summary>
public static class TestMessages
{
    /// <summary>The UTF-8 bytes of <paramref name="text"/>.</summary>
    public static ReadOnlyMemory<byte> Body(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>The body as UTF-8 text.</summary>
    public static string Text(this Message message) => Encoding.UTF8.GetString(message.Body.Span);

    /// <summary>Publishes a text message.</summary>
    public static PublishResult Publish(this Session session, string exchange, string routingKey, string body,
        MessageProperties? properties = null) =>
        session.Publish(exchange, routingKey, properties ?? MessageProperties.Empty, Body(body));

    /// <summary>Publishes a text message from in-process code.</summary>
    public static PublishResult Publish(this VirtualHost vhost, string exchange, string routingKey, string body,
        MessageProperties? properties = null) =>
        vhost.Publish(exchange, routingKey, properties ?? MessageProperties.Empty, Body(body));

    /// <summary>An argument or header table from key/value pairs.</summary>
    public static Dictionary<string, object?> Table(params (string Key, object? Value)[] entries)
    {
        var table = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in entries) table[key] = value;
        return table;
    }

    /// <summary>Opens a guest connection to "/" and its session 1.</summary>
    public static Session OpenGuestSession(this Broker broker, int number = 1) =>
        broker.OpenConnection(broker.FindUser("guest")!, "/", "test").OpenSession(number);
}
