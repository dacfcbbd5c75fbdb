using Microsoft.AspNetCore.Http;
using Tidings.Core.Security;
using Tidings.Http.Common;

namespace Tidings.Http.Management;

/// <summary>/api/vhosts: list, show, create or update (description, tags), delete.</summary>
internal static class VhostEndpoints
{
    public static void Register(ApiRouter router)
    {
        router.GetList("vhosts", Access.Management, "Virtual hosts the user can see",
            r => ListReply.Reply(r, r.VisibleVhosts(fromPath: false), Formats.VhostListing(r.Sampler)));
        router.Get("vhosts/{vhost}", Access.Management, "One virtual host",
            r => ListReply.One(r, Formats.Vhost(r.Vhost(), r.Sampler)));
        router.Put("vhosts/{vhost}", Access.Administrator, "Creates a virtual host (201) or updates its description and tags (204)", Put);
        router.Delete("vhosts/{vhost}", Access.Administrator, "Deletes a virtual host with everything in it", Delete);
        router.GetList("vhosts/{vhost}/permissions", Access.Administrator, "Permissions of every user in the virtual host",
            r => ListReply.Reply(r, Formats.Permissions(r.Broker.Users).Where(p => p.Vhost == r.Vhost().Name), Formats.PermissionListing));
    }

    private static IResult Put(ApiRequest request)
    {
        string name = request["vhost"];
        if (name.Length == 0) return HttpErrors.BadRequest("virtual host name must not be empty");
        var existing = request.Broker.FindVirtualHost(name);
        var vhost = existing ?? request.Broker.AddVirtualHost(name);
        if (request.String("description") is { } description) vhost.Description = description;
        if (request.Field("tags") is { } tags) vhost.Tags = Json.AsTags(tags);
        if (existing is null)
        {
            // As rabbitmqctl add_vhost does for the user who creates it through the API.
            request.User.SetPermissions(name, VhostPermissions.All);
            return Results.StatusCode(StatusCodes.Status201Created);
        }
        return Results.NoContent();
    }

    private static IResult Delete(ApiRequest request)
    {
        string name = request["vhost"];
        if (!request.Broker.DeleteVirtualHost(name)) return HttpErrors.NotFound();
        foreach (var user in request.Broker.Users) user.ClearPermissions(name);
        return Results.NoContent();
    }
}
