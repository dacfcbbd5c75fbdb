using Tidings.Core.Messages;

namespace Tidings.Core.Limits;

/// <summary>
/// The checks a message passes when it is published, whatever the protocol it came by: its
/// routing key, its short-string properties and its headers fit AMQP (see <see cref="BrokerLimits"/>),
/// so it can be delivered over any protocol later.
/// </summary>
internal static class MessageLimits
{
    /// <summary>Refuses a message AMQP could not deliver; a properties instance that passed once is not checked again.</summary>
    public static void Check(Message message)
    {
        BrokerLimits.CheckRoutingKey(message.RoutingKey);
        var properties = message.Properties;
        // Adapters reuse decoded properties for identical headers (and fan-out shares them): check once.
        if (properties.WithinLimits) return;
        BrokerLimits.CheckShortString("property 'content_type'", properties.ContentType);
        BrokerLimits.CheckShortString("property 'content_encoding'", properties.ContentEncoding);
        BrokerLimits.CheckShortString("property 'correlation_id'", properties.CorrelationId);
        BrokerLimits.CheckShortString("property 'reply_to'", properties.ReplyTo);
        BrokerLimits.CheckTimeToLive(properties.TimeToLiveMs);
        BrokerLimits.CheckShortString("property 'message_id'", properties.MessageId);
        BrokerLimits.CheckShortString("property 'type'", properties.Type);
        BrokerLimits.CheckShortString("property 'user_id'", properties.UserId);
        BrokerLimits.CheckShortString("property 'app_id'", properties.AppId);
        BrokerLimits.CheckHeaders("headers", properties.Headers);
        properties.WithinLimits = true;
    }
}
