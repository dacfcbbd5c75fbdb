namespace Tidings.Core.Exchanges;

/// <summary>Something a binding can point at: a queue, or an exchange (exchange-to-exchange binding).</summary>
public interface IBindingDestination
{
    /// <summary>The destination's name within its virtual host.</summary>
    string Name { get; }
}
