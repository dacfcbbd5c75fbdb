namespace Tidings.LogQueue;

/// <summary>
/// What an operation answers, before it is written: success with at most one field, or a failure
/// with its HTTP status and message. Expected misses (an empty topic, an unknown id) are replies,
/// not exceptions: the API answers thousands of them a second.
/// </summary>
internal readonly struct LogQueueReply
{
    private LogQueueReply(int statusCode, ReplyField field, string? text, long number, ReadOnlyMemory<byte> payload, IReadOnlyList<string>? topics)
    {
        StatusCode = statusCode;
        Field = field;
        Text = text;
        Number = number;
        Payload = payload;
        Topics = topics;
    }

    /// <summary>200 for a success, 4xx/5xx for a failure.</summary>
    public int StatusCode { get; }

    public bool IsSuccess => StatusCode == 200;

    /// <summary>Which field the answer carries beside "status".</summary>
    public ReplyField Field { get; }

    /// <summary>"message" of a failure or of a create-topic success.</summary>
    public string? Text { get; }

    /// <summary>The id or size of <see cref="ReplyField.ConsumerId"/>, <see cref="ReplyField.ProducerId"/> and <see cref="ReplyField.Size"/>.</summary>
    public long Number { get; }

    /// <summary>A dequeued message's body (UTF-8), for <see cref="ReplyField.Payload"/>.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The topic names of <see cref="ReplyField.Topics"/>.</summary>
    public IReadOnlyList<string>? Topics { get; }

    public static LogQueueReply Success() => new(200, ReplyField.None, null, 0, default, null);

    public static LogQueueReply Success(string message) => new(200, ReplyField.Message, message, 0, default, null);

    public static LogQueueReply Success(ReplyField field, long number) => new(200, field, null, number, default, null);

    public static LogQueueReply Message(ReadOnlyMemory<byte> body) => new(200, ReplyField.Payload, null, 0, body, null);

    public static LogQueueReply TopicList(IReadOnlyList<string> topics) => new(200, ReplyField.Topics, null, 0, default, topics);

    /// <summary>A rule broken or input refused: 400.</summary>
    public static LogQueueReply BadRequest(string message) => new(400, ReplyField.Message, message, 0, default, null);

    /// <summary>An unknown topic or id: 404.</summary>
    public static LogQueueReply NotFound(string message) => new(404, ReplyField.Message, message, 0, default, null);

    public static LogQueueReply Failure(int statusCode, string message) => new(statusCode, ReplyField.Message, message, 0, default, null);
}
