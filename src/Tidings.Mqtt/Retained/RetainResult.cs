namespace Tidings.Mqtt.Retained;

/// <summary>
/// What <see cref="RetainedStore.SetAsync"/> or <see cref="RetainedStore.ClearAsync"/> did. A refusal is
/// a value, never a silent drop: the adapter answers a 5.0 publisher with PUBACK/PUBREC 0x97 (Quota
/// exceeded) for the limit results (see <see cref="RetainResultExtensions.IsRefused"/>).
/// </summary>
public enum RetainResult
{
    /// <summary>The topic had no retained message; it has this one now.</summary>
    Stored,
    /// <summary>The topic's retained message was replaced.</summary>
    Replaced,
    /// <summary>The topic's retained message was removed (an empty retained payload).</summary>
    Cleared,
    /// <summary>A clear for a topic that had no retained message: nothing changed.</summary>
    NothingToClear,
    /// <summary>Refused: the message is larger than <see cref="RetainedStoreOptions.MaxMessageBytes"/>. The old one (if any) stays.</summary>
    MessageTooLarge,
    /// <summary>Refused: a new topic would exceed <see cref="RetainedStoreOptions.MaxCount"/>. Replacing an existing topic is never refused for count.</summary>
    CountLimitReached,
    /// <summary>Refused: the store would hold more than <see cref="RetainedStoreOptions.MaxTotalBytes"/>. The old one (if any) stays.</summary>
    TotalBytesLimitReached,
    /// <summary>Refused: the topic is not a valid topic name (empty, wildcard or U+0000).</summary>
    InvalidTopic,
    /// <summary>The store is disposed or its log failed to write; the change may be in memory but is not durable.</summary>
    StoreFailed,
}

/// <summary>Helpers on <see cref="RetainResult"/>.</summary>
public static class RetainResultExtensions
{
    /// <summary>True for the results that mean the store changed (or had nothing to change) as asked.</summary>
    public static bool IsSuccess(this RetainResult result) =>
        result is RetainResult.Stored or RetainResult.Replaced or RetainResult.Cleared or RetainResult.NothingToClear;

    /// <summary>True for the limit refusals, which a 5.0 adapter reports as 0x97 Quota exceeded.</summary>
    public static bool IsRefused(this RetainResult result) =>
        result is RetainResult.MessageTooLarge or RetainResult.CountLimitReached or RetainResult.TotalBytesLimitReached;
}
