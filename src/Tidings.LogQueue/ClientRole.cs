namespace Tidings.LogQueue;

/// <summary>What a registered id stands for.</summary>
public enum ClientRole
{
    /// <summary>Appends to its topic.</summary>
    Producer,
    /// <summary>Reads its topic from a stored position of its own.</summary>
    Consumer,
}
