using System.Text.Json;

namespace Tidings.Server.Cli;

/// <summary><c>tidings connections</c>: the client connections of a running broker, from the management API.</summary>
internal static class ConnectionsCommand
{
    public static Verb Verb { get; } = new(
        "connections",
        "List the client connections of a running broker, through its management API.",
        ManagementClient.ConnectionFlags,
        RunAsync)
    {
        Notes = ["Columns: name, user, vhost, channels, peer (the client's address); sorted by name."],
    };

    private static Task<int> RunAsync(VerbInvocation invocation) => ManagementClient.RunAsync(invocation, async client =>
    {
        var connections = await client.GetListAsync("api/connections").ConfigureAwait(false);
        var table = new TableWriter(
            new TableColumn("name"), new TableColumn("user"), new TableColumn("vhost"),
            new TableColumn("channels", AlignRight: true), new TableColumn("peer"));
        foreach (var connection in connections.OrderBy(c => ManagementClient.Text(c, "name"), StringComparer.Ordinal))
        {
            table.AddRow(
                ManagementClient.Text(connection, "name"),
                ManagementClient.Text(connection, "user"),
                ManagementClient.Text(connection, "vhost"),
                ManagementClient.Text(connection, "channels"),
                Peer(connection));
        }
        table.Write(invocation.Output);
        return ExitCodes.Success;
    });

    /// <summary>peer_host:peer_port, with an IPv6 host in brackets; "" when the API gives no host.</summary>
    private static string Peer(JsonElement connection)
    {
        string host = ManagementClient.Text(connection, "peer_host");
        string port = ManagementClient.Text(connection, "peer_port");
        if (host.Length == 0) return "";
        if (host.Contains(':')) host = $"[{host}]";
        return port.Length == 0 ? host : $"{host}:{port}";
    }
}
