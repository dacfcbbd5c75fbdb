namespace Tidings.Testing;

/// <summary>
/// Trait values that split the suite. Interop tests drive third-party clients installed from
/// Debian or npm (tests/interop/install-tools.sh); the unit tests run alone in seconds with
/// <c>dotnet test --filter "Category!=Interop"</c>.
/// </summary>
public static class TestCategories
{
    /// <summary>The trait's name.</summary>
    public const string Name = "Category";

    /// <summary>Needs a Python, Node or Debian client (pika, celery, amqplib, amqp-tools, chromium, …).</summary>
    public const string Interop = "Interop";
}
