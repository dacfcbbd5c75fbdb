using Microsoft.AspNetCore.Http;
using Tidings.Core.Sessions;
using Tidings.Http.Common;

namespace Tidings.Http.Management;

/// <summary>
/// /api/connections, /api/channels, /api/consumers. Users see their own connections and
/// channels; monitoring and administrator users see all. The API's own internal connections
/// are never listed.
/// </summary>
internal static class ConnectionEndpoints
{
    /// <summary>RabbitMQ's reason when X-Reason is not given.</summary>
    public const string DefaultCloseReason = "Closed via management plugin";

    public static void Register(ApiRouter router)
    {
        router.GetList("connections", Access.Management, "Open client connections", r =>
            ListReply.Reply(r, Visible(r), Formats.ConnectionListing(r.Sampler)));
        router.GetList("connections/username/{username}", Access.Management, "Connections of one user", r =>
            ListReply.Reply(r, Visible(r).Where(c => c.User.Name == r["username"]), Formats.ConnectionListing(r.Sampler)));
        router.Get("connections/{name}", Access.Management, "One connection", r =>
            ListReply.One(r, Formats.Connection(Find(r), r.Sampler)));
        router.Delete("connections/{name}", Access.Management,
            "Closes a connection; the client gets connection.close 320 with the X-Reason header's text", Close);
        router.GetList("connections/{name}/channels", Access.Management, "Channels of one connection", r =>
            ListReply.Reply(r, Find(r).Sessions, Formats.ChannelListing(r.Sampler)));
        router.GetList("vhosts/{vhost}/connections", Access.Management, "Connections to one virtual host", r =>
        {
            var vhost = r.Vhost();
            return ListReply.Reply(r, Visible(r).Where(c => c.VirtualHost == vhost), Formats.ConnectionListing(r.Sampler));
        });
        router.GetList("channels", Access.Management, "Open channels", r =>
            ListReply.Reply(r, Visible(r).SelectMany(c => c.Sessions), Formats.ChannelListing(r.Sampler)));
        router.Get("channels/{name}", Access.Management, "One channel", r =>
        {
            var session = Visible(r).SelectMany(c => c.Sessions).FirstOrDefault(s => Formats.ChannelName(s) == r["name"])
                          ?? throw new ApiError(HttpErrors.NotFound());
            return ListReply.One(r, Formats.Channel(session, r.Sampler));
        });
        router.GetList("vhosts/{vhost}/channels", Access.Management, "Channels in one virtual host", r =>
        {
            var vhost = r.Vhost();
            return ListReply.Reply(r, Visible(r).Where(c => c.VirtualHost == vhost).SelectMany(c => c.Sessions),
                Formats.ChannelListing(r.Sampler));
        });
        router.GetList("consumers", Access.Management, "Consumers in every visible virtual host", r =>
            ListReply.Reply(r, r.VisibleVhosts(fromPath: false).SelectMany(Consumers), Formats.ConsumerListing));
        router.GetList("consumers/{vhost}", Access.Management, "Consumers of one virtual host", r =>
            ListReply.Reply(r, Consumers(r.Vhost()), Formats.ConsumerListing));
    }

    private static IEnumerable<Consumer> Consumers(Core.VirtualHost vhost) => vhost.Queues.SelectMany(q => q.Consumers);

    private static IEnumerable<ClientConnection> Visible(ApiRequest request) =>
        request.Broker.Connections.Where(request.CanSee).Where(c => request.CanSee(c.VirtualHost));

    private static ClientConnection Find(ApiRequest request) =>
        Visible(request).FirstOrDefault(c => Formats.ConnectionName(c) == request["name"]) ?? throw new ApiError(HttpErrors.NotFound());

    /// <summary>Monitors see others' connections but close only their own; administrators close any.</summary>
    private static IResult Close(ApiRequest request)
    {
        var connection = Find(request);
        if (!request.IsAdministrator && connection.User.Name != request.User.Name)
            return HttpErrors.Forbidden("User not authorised to close this connection");
        string reason = request.Http.Request.Headers["X-Reason"].FirstOrDefault() is { Length: > 0 } given ? given : DefaultCloseReason;
        connection.RequestClose(reason);
        return Results.NoContent();
    }
}
