using System.Collections.Concurrent;
using System.Text;

namespace Tidings.Mqtt.Retained;

/// <summary>
/// One <see cref="RetainedStore"/> per virtual host, opened on first use. Durable stores live in
/// <c>&lt;data&gt;/mqtt-retained/&lt;escaped vhost&gt;/</c> (see <see cref="EscapeVhost"/>); with no
/// data directory every store is in memory.
/// </summary>
public sealed class RetainedStores : IDisposable
{
    /// <summary>The folder under the broker's data directory that holds the vhost folders.</summary>
    public const string FolderName = "mqtt-retained";

    // The broker's data directory, or null for memory-only stores (fixed).
    private readonly string? _dataDirectory;
    // Limits and clock for every store; Directory is replaced per vhost (fixed).
    private readonly RetainedStoreOptions _options;
    // Opened stores by vhost name; Lazy so two first users of a vhost open its log once.
    private readonly ConcurrentDictionary<string, Lazy<RetainedStore>> _stores = new(StringComparer.Ordinal);

    /// <summary>Creates the set; nothing is opened until <see cref="Get"/>.</summary>
    /// <param name="dataDirectory">The broker's data directory, or null to keep retained messages in memory.</param>
    /// <param name="options">Limits and clock shared by every vhost's store (its Directory is ignored).</param>
    public RetainedStores(string? dataDirectory, RetainedStoreOptions? options = null)
    {
        _dataDirectory = dataDirectory;
        _options = options ?? new RetainedStoreOptions();
    }

    /// <summary>The store of <paramref name="vhost"/>, opening (and replaying) it on first use.</summary>
    public RetainedStore Get(string vhost)
    {
        ArgumentNullException.ThrowIfNull(vhost);
        return _stores.GetOrAdd(vhost, static (name, self) => new Lazy<RetainedStore>(() => self.Open(name)), this).Value;
    }

    /// <summary>Retained messages in the stores opened so far (a vhost's store opens at its first use).</summary>
    public long Count => Sum(static store => store.Count);

    /// <summary>Bytes of the retained messages in the stores opened so far.</summary>
    public long TotalBytes => Sum(static store => store.TotalBytes);

    private long Sum(Func<RetainedStore, long> of)
    {
        long sum = 0;
        foreach (var store in _stores.Values)
        {
            if (store.IsValueCreated) sum += of(store.Value);
        }
        return sum;
    }

    /// <summary>The folder of <paramref name="vhost"/>'s store under <paramref name="dataDirectory"/>.</summary>
    public static string DirectoryFor(string dataDirectory, string vhost) =>
        Path.Combine(dataDirectory, FolderName, EscapeVhost(vhost));

    /// <summary>
    /// A file name for a vhost name that is the same on every file system: lower-case ASCII letters,
    /// digits, <c>-</c> and <c>_</c> stay; every other UTF-8 byte becomes <c>%XX</c> (so <c>/</c> is
    /// <c>%2F</c>, upper-case letters are escaped to stay distinct on case-insensitive file systems,
    /// and <c>.</c>/<c>..</c> cannot occur). The empty name is <c>%</c>.
    /// </summary>
    public static string EscapeVhost(string vhost)
    {
        if (vhost.Length == 0)
        {
            return "%";
        }

        var text = new StringBuilder(vhost.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(vhost))
        {
            if (b is >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }

    /// <summary>Disposes every opened store (pending changes reach the disk first).</summary>
    public void Dispose()
    {
        foreach (var store in _stores.Values)
        {
            if (store.IsValueCreated)
            {
                store.Value.Dispose();
            }
        }
    }

    private RetainedStore Open(string vhost) =>
        new(_options with { Directory = _dataDirectory is null ? null : DirectoryFor(_dataDirectory, vhost) });
}
