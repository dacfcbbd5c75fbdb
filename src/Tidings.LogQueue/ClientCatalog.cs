using System.Collections.Concurrent;

namespace Tidings.LogQueue;

/// <summary>
/// Every registered producer and consumer by id. Ids come from one counter, so they are unique
/// across topics and roles (a producer id passed where a consumer id belongs is an unknown id, not
/// somebody else's consumer), and the counter and the registrations are written to
/// <see cref="ClientCatalogFile"/> before a registration is answered, so ids survive a restart.
/// Lookups take no lock: the hot path (produce, consume) only reads.
/// </summary>
public sealed class ClientCatalog
{
    // Registered clients by id; written under _changeLock, read by anyone.
    private readonly ConcurrentDictionary<long, RegisteredClient> _clients = new();
    // Where the file lives; null keeps the catalog in memory only (a broker without a data directory).
    private readonly string? _directory;
    // Serialises registrations so ids are handed out in order and the file follows the latest state.
    private readonly Lock _changeLock = new();
    // The last id handed out; guarded by _changeLock.
    private long _lastId;

    /// <param name="directory">Where the catalog file lives; null keeps it in memory only.</param>
    public ClientCatalog(string? directory)
    {
        _directory = directory;
        if (directory is null) return;
        var (lastId, clients) = ClientCatalogFile.Read(directory);
        _lastId = lastId;
        foreach (var client in clients)
        {
            _clients[client.Id] = client;
            _lastId = Math.Max(_lastId, client.Id);
        }
    }

    /// <summary>How many producers and consumers are registered.</summary>
    public int Count => _clients.Count;

    /// <summary>The registered client with <paramref name="id"/>, if any.</summary>
    public RegisteredClient? Find(long id) => _clients.GetValueOrDefault(id);

    /// <summary>A snapshot of every registration, ordered by id.</summary>
    public List<RegisteredClient> All()
    {
        var all = new List<RegisteredClient>(_clients.Values);
        all.Sort((a, b) => a.Id.CompareTo(b.Id));
        return all;
    }

    /// <summary>
    /// Registers a new client under the next id and saves; <paramref name="beforeSave"/> runs with
    /// the new registration before the file is written (a consumer's position is stored there).
    /// </summary>
    public RegisteredClient Register(ClientRole role, string topic, Action<RegisteredClient>? beforeSave = null)
    {
        lock (_changeLock)
        {
            var client = new RegisteredClient(_lastId + 1, role, topic);
            beforeSave?.Invoke(client);
            // The file first: a failed write leaves the catalog as it was, and the id unused.
            if (_directory is not null)
            {
                var all = All();
                all.Add(client);
                ClientCatalogFile.Write(_directory, client.Id, all);
            }
            _lastId = client.Id;
            _clients[client.Id] = client;
            return client;
        }
    }
}
