using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Tidings.Core;
using Tidings.Core.Security;
using Tidings.Http.Common;

namespace Tidings.Http.Management;

/// <summary>/api/users and /api/permissions: administrator-only, as in RabbitMQ.</summary>
internal static class UserEndpoints
{
    public static void Register(ApiRouter router)
    {
        router.GetList("users", Access.Administrator, "All users, with password hashes",
            r => ListReply.Reply(r, r.Broker.Users, Formats.UserListing));
        router.GetList("users/without-permissions", Access.Administrator, "Users with no permissions in any virtual host",
            r => ListReply.Reply(r, r.Broker.Users.Where(u => u.AllPermissions.Count == 0), Formats.UserListing));
        router.Get("users/{user}", Access.Administrator, "One user", r => Json.Ok(Formats.User(FindUser(r))));
        router.Put("users/{user}", Access.Administrator,
            "Creates (201) or updates (204) a user: password, or password_hash with hashing_algorithm; tags", PutUser);
        router.Delete("users/{user}", Access.Administrator, "Deletes a user", r =>
            r.Broker.DeleteUser(r["user"]) ? Results.NoContent() : HttpErrors.NotFound());
        router.GetList("users/{user}/permissions", Access.Administrator, "Permissions of one user",
            r => ListReply.Reply(r, Formats.Permissions([FindUser(r)]), Formats.PermissionListing));
        router.GetList("permissions", Access.Administrator, "All permissions",
            r => ListReply.Reply(r, Formats.Permissions(r.Broker.Users), Formats.PermissionListing));
        router.Get("permissions/{vhost}/{user}", Access.Administrator, "A user's permissions in a virtual host", GetPermission);
        router.Put("permissions/{vhost}/{user}", Access.Administrator,
            "Sets a user's configure/write/read patterns in a virtual host", PutPermission);
        router.Delete("permissions/{vhost}/{user}", Access.Administrator, "Removes a user's access to a virtual host", DeletePermission);
    }

    private static User FindUser(ApiRequest request) =>
        request.Broker.FindUser(request["user"]) ?? throw new ApiError(HttpErrors.NotFound());

    private static IResult PutUser(ApiRequest request)
    {
        string name = request["user"];
        if (name.Length == 0) return HttpErrors.BadRequest("user name must not be empty");
        var existing = request.Broker.FindUser(name);
        string? password = request.String("password");
        string? hash = request.String("password_hash");
        if (hash is not null && request.String("hashing_algorithm") is { } algorithm && algorithm != User.HashingAlgorithm)
            return HttpErrors.BadRequest($"unsupported hashing algorithm '{algorithm}'; only {User.HashingAlgorithm} hashes are accepted");
        if (existing is null && password is null && hash is null)
            return HttpErrors.BadRequest("[{key_missing,password_or_password_hash}]");
        var tags = request.Field("tags") is { } t ? Json.AsTags(t) : null;
        if (UserPut.Apply(request.Broker, name, password, hash, tags) == UserPutResult.BadHash)
            throw new ApiError(HttpErrors.BadRequest("password_hash is not a base64 salted SHA-256 hash"));
        return existing is null ? Results.StatusCode(StatusCodes.Status201Created) : Results.NoContent();
    }

    private static (VirtualHost? Vhost, User? User) Target(ApiRequest request) =>
        (request.Broker.FindVirtualHost(request["vhost"]), request.Broker.FindUser(request["user"]));

    private static IResult GetPermission(ApiRequest request)
    {
        var (vhost, user) = Target(request);
        if (vhost is null || user?.PermissionsFor(vhost.Name) is not { } permissions) return HttpErrors.NotFound();
        return Json.Ok(Formats.Permission(new Formats.PermissionView(user.Name, vhost.Name, permissions)));
    }

    private static IResult PutPermission(ApiRequest request)
    {
        var (vhost, user) = Target(request);
        if (vhost is null) return HttpErrors.BadRequest($"vhost '{request["vhost"]}' does not exist");
        if (user is null) return HttpErrors.BadRequest($"user '{request["user"]}' does not exist");
        string configure = Pattern(request, "configure"), write = Pattern(request, "write"), read = Pattern(request, "read");
        bool existed = user.PermissionsFor(vhost.Name) is not null;
        user.SetPermissions(vhost.Name, new VhostPermissions(configure, write, read));
        return existed ? Results.NoContent() : Results.StatusCode(StatusCodes.Status201Created);
    }

    /// <summary>A mandatory permission pattern, checked to be a valid regular expression.</summary>
    public static string Pattern(ApiRequest request, string key)
    {
        string pattern = Json.AsString(request.Require(key), key);
        return ValidPattern(pattern, key);
    }

    public static string ValidPattern(string pattern, string key)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromMilliseconds(100));
        }
        catch (ArgumentException e)
        {
            throw new ApiError(HttpErrors.BadRequest($"invalid {key} regular expression '{pattern}': {e.Message}"));
        }
        return pattern;
    }

    private static IResult DeletePermission(ApiRequest request)
    {
        var (vhost, user) = Target(request);
        if (vhost is null || user?.PermissionsFor(vhost.Name) is null) return HttpErrors.NotFound();
        user.ClearPermissions(vhost.Name);
        return Results.NoContent();
    }
}
