namespace Tidings.Amqp.Protocol;

/// <summary>The frame types of AMQP 0-9-1 (the heartbeat is 8 as RabbitMQ and the XML say, not 4 as the PDF does).</summary>
public enum FrameType : byte
{
    /// <summary>A method: class id, method id, arguments.</summary>
    Method = AmqpConstants.FrameMethod,

    /// <summary>A content header: class id, weight, body size, properties.</summary>
    Header = AmqpConstants.FrameHeader,

    /// <summary>A slice of a message body.</summary>
    Body = AmqpConstants.FrameBody,

    /// <summary>A heartbeat: channel 0, empty payload.</summary>
    Heartbeat = AmqpConstants.FrameHeartbeat,
}
