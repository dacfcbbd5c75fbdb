namespace Tidings.LogQueue;

/// <summary>The field an answer carries beside "status".</summary>
internal enum ReplyField
{
    None,
    Message,
    Payload,
    Topics,
    ConsumerId,
    ProducerId,
    Size,
}
