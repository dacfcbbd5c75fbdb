using Tidings.Core.Limits;
using Tidings.Core.Messages;
using System.Collections.Concurrent;
using System.Net;
using Tidings.Core.Security;
using Tidings.Core.Sessions;

namespace Tidings.Core;

/// <summary>Why a login was refused.</summary>
public enum AuthenticationFailure
{
    None,
    /// <summary>Unknown user or wrong password.</summary>
    BadCredentials,
    /// <summary>The user may only connect from loopback (guest) and the peer is remote.</summary>
    LoopbackOnly,
    /// <summary>
    /// Too many failed logins from this address or for this user lately; the password was not
    /// checked (<see cref="Broker.Logins"/> says when to retry).
    /// </summary>
    Throttled,
}

/// <summary>
/// One message broker: all virtual hosts, users and connections live in this object.
/// There is no static mutable state, so several brokers can share a process.
/// </summary>
public sealed class Broker : IDisposable
{
    private readonly ConcurrentDictionary<string, VirtualHost> _virtualHosts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, User> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, ClientConnection> _connections = new();
    private long _nextConnectionId;
    private readonly MemoryWatermark? _memoryWatermark;
    private readonly DiskWatermark? _diskWatermark;

    /// <summary>Creates a broker with the default virtual host "/" and the default user.</summary>
    public Broker(BrokerOptions? options = null, TimeProvider? timeProvider = null)
    {
        Options = options ?? new BrokerOptions();
        Time = timeProvider ?? TimeProvider.System;
        Logins = new LoginThrottle(Options.LoginThrottling, Time);
        Alarms = new ResourceAlarms(Faults);
        AddVirtualHost("/");
        var guest = AddUser(Options.DefaultUser, Options.DefaultPassword, ["administrator"]);
        guest.SetPermissions("/", VhostPermissions.All);
        if (Options.MemoryHighWatermarkBytes > 0)
        {
            _memoryWatermark = new MemoryWatermark(Time, Alarms, Options.MemoryHighWatermarkBytes, pool: Messages, faults: Faults);
            Messages.Watermark = _memoryWatermark;
        }
        if (Options.DiskFreeLimitBytes > 0)
            _diskWatermark = new DiskWatermark(Time, Alarms, Options.DataDirectory, Options.DiskFreeLimitBytes, Faults);
    }

    /// <summary>
    /// Where durable queues keep persistent messages; null keeps everything in memory. Set it
    /// before any durable queue is declared (the server does so before restoring definitions).
    /// </summary>
    public Storage.IMessageStore? MessageStore { get; set; }

    /// <summary>
    /// Where stream queues keep their logs; null keeps streams in memory. Set it with
    /// <see cref="MessageStore"/>, before definitions are restored.
    /// </summary>
    public Storage.IStreamStore? StreamStore { get; set; }

    /// <summary>Memory and disk alarms; while any is on, publishers are blocked.</summary>
    public ResourceAlarms Alarms { get; }

    /// <summary>Faults caught at the broker's entry points (timers, loops, deliveries); see <see cref="FaultLog"/>.</summary>
    public FaultLog Faults { get; } = new();

    /// <summary>The settings this broker was created with.</summary>
    public BrokerOptions Options { get; }

    /// <summary>Messages and body buffers reused by protocol adapters (see <see cref="Message"/>).</summary>
    public MessagePool Messages { get; } = new();

    /// <summary>
    /// How long the durable store's fsyncs take. The store records each sync here; metrics export
    /// it. Until the store exists it stays empty.
    /// </summary>
    public LatencyHistogram StoreFsyncLatency { get; } = new();

    /// <summary>
    /// Counters and gauges protocol adapters add (MQTT: retained messages, oversized deliveries
    /// dropped); the metrics endpoint exports them without knowing the protocols.
    /// </summary>
    public MetricRegistry Metrics { get; } = new();

    /// <summary>Failed-login throttling shared by every protocol's authentication (<see cref="Authenticate"/>).</summary>
    public LoginThrottle Logins { get; }

    /// <summary>Clock used for TTLs, expiries and timestamps (tests substitute a manual clock).</summary>
    public TimeProvider Time { get; }

    /// <summary>The product name and version announced to clients.</summary>
    public static string Version => typeof(Broker).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>The default virtual host "/".</summary>
    public VirtualHost DefaultVirtualHost => _virtualHosts["/"];

    public IReadOnlyCollection<VirtualHost> VirtualHosts => [.. _virtualHosts.Values];
    public IReadOnlyCollection<User> Users => [.. _users.Values];
    public IReadOnlyCollection<ClientConnection> Connections => [.. _connections.Values];

    public VirtualHost? FindVirtualHost(string name) => _virtualHosts.GetValueOrDefault(name);
    public User? FindUser(string name) => _users.GetValueOrDefault(name);

    /// <summary>Creates a virtual host (or returns the existing one).</summary>
    public VirtualHost AddVirtualHost(string name)
    {
        if (_virtualHosts.TryGetValue(name, out var existing)) return existing;
        BrokerLimits.CheckName("vhost", name);
        var vhost = _virtualHosts.GetOrAdd(name, n => new VirtualHost(this, n));
        OnDefinitionsChanged();
        return vhost;
    }

    /// <summary>
    /// Raised (on the changing thread, possibly under broker locks: handlers must only note it)
    /// when a definition changed: a vhost, user, permission, exchange, queue or binding.
    /// The durable store persists the durable ones.
    /// </summary>
    public event Action? DefinitionsChanged;

    internal void OnDefinitionsChanged() => DefinitionsChanged?.Invoke();

    /// <summary>Deletes a virtual host, closing its connections. False when it does not exist.</summary>
    public bool DeleteVirtualHost(string name)
    {
        if (!_virtualHosts.TryRemove(name, out var vhost)) return false;
        foreach (var user in _users.Values) user.ClearPermissions(name);
        OnDefinitionsChanged();
        // As RabbitMQ: clients are told (AMQP 320 CONNECTION_FORCED, HTTP streams end) rather than cut off.
        foreach (var connection in _connections.Values.Where(c => c.VirtualHost == vhost)) connection.RequestClose("vhost deleted");
        vhost.DetachedSessions.CloseAll();
        foreach (var queue in vhost.Queues) vhost.DeleteQueueInternal(queue);
        return true;
    }

    /// <summary>Creates or replaces a user.</summary>
    /// <exception cref="BrokerException">The name is longer than AMQP's 255 bytes (it must fit the user_id property).</exception>
    public User AddUser(string name, string password, IEnumerable<string>? tags = null)
    {
        BrokerLimits.CheckName("user", name);
        var user = new User(name, password, tags ?? []) { Changed = OnDefinitionsChanged };
        _users[name] = user;
        OnDefinitionsChanged();
        return user;
    }

    public bool DeleteUser(string name)
    {
        if (!_users.TryRemove(name, out _)) return false;
        OnDefinitionsChanged();
        return true;
    }

    /// <summary>
    /// Checks credentials. Users listed in <see cref="BrokerOptions.LoopbackUsers"/> are accepted
    /// only from a loopback address, as RabbitMQ does for guest. After too many failures from the
    /// address or for the user (<see cref="BrokerOptions.LoginThrottling"/>) attempts are refused
    /// as <see cref="AuthenticationFailure.Throttled"/> without looking at the password.
    /// </summary>
    public User? Authenticate(string userName, string password, EndPoint? remote, out AuthenticationFailure failure)
    {
        if (Logins.RetryAfter(userName, remote) > TimeSpan.Zero)
        {
            failure = AuthenticationFailure.Throttled;
            return null;
        }
        failure = AuthenticationFailure.BadCredentials;
        if (_users.TryGetValue(userName, out var user) && user.CheckPassword(password))
        {
            if (!Options.LoopbackUsers.Contains(userName) || IsLoopback(remote))
            {
                Logins.Succeeded(userName, remote);
                failure = AuthenticationFailure.None;
                return user;
            }
            failure = AuthenticationFailure.LoopbackOnly;
        }
        // A refused loopback-only user counts too: its answer tells a remote guesser the password was right.
        Logins.Failed(userName, remote);
        return null;
    }

    /// <summary>
    /// Opens a connection for an authenticated user to a virtual host.
    /// Throws NotAllowed when the vhost is missing or the user has no access to it.
    /// </summary>
    public ClientConnection OpenConnection(User user, string virtualHost, string protocol, EndPoint? remote = null,
        IReadOnlyDictionary<string, object?>? clientProperties = null)
    {
        if (!_virtualHosts.TryGetValue(virtualHost, out var vhost) || user.PermissionsFor(virtualHost) is null)
            throw new BrokerException(BrokerError.NotAllowed, $"access to vhost '{virtualHost}' refused for user '{user.Name}'");
        var connection = new ClientConnection(this, Interlocked.Increment(ref _nextConnectionId), vhost, user, protocol, remote, clientProperties);
        _connections[connection.Id] = connection;
        return connection;
    }

    internal void Unregister(ClientConnection connection) => _connections.TryRemove(connection.Id, out _);

    /// <summary>Closes every connection and stops queue timers.</summary>
    public void Dispose()
    {
        _memoryWatermark?.Dispose();
        _diskWatermark?.Dispose();
        foreach (var connection in _connections.Values) connection.Dispose();
        foreach (var vhost in _virtualHosts.Values)
        {
            vhost.DetachedSessions.Dispose();
            foreach (var queue in vhost.Queues) queue.MarkDeleted(deleteLog: false);
        }
    }

    /// <summary>
    /// Whether <paramref name="remote"/> is this machine: loopback (IPv4, IPv6, v4-mapped), a Unix
    /// socket, or no address at all (in-process callers). Loopback-only users are checked with it.
    /// </summary>
    public static bool IsLoopback(EndPoint? remote) => remote switch
    {
        null => true, // in-process callers
        IPEndPoint ip => IPAddress.IsLoopback(ip.Address) ||
                         (ip.Address.IsIPv4MappedToIPv6 && IPAddress.IsLoopback(ip.Address.MapToIPv4())),
        System.Net.Sockets.UnixDomainSocketEndPoint => true,
        _ => false,
    };
}
