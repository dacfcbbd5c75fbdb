namespace Tidings.Core.Exchanges;

/// <summary>The exchange type names clients declare.</summary>
public static class ExchangeTypes
{
    public const string Direct = "direct";
    public const string Fanout = "fanout";
    public const string Topic = "topic";
    public const string Headers = "headers";

    /// <summary>True for a type this broker implements.</summary>
    public static bool IsKnown(string type) => type is Direct or Fanout or Topic or Headers;
}
