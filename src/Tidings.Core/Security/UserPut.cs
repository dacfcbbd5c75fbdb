using System.Security.Cryptography;

namespace Tidings.Core.Security;

/// <summary>What <see cref="UserPut.Apply"/> did.</summary>
public enum UserPutResult
{
    Created,
    Updated,
    /// <summary>The password hash had the wrong shape; nothing changed (a user it would have created is not there).</summary>
    BadHash,
}

/// <summary>
/// Creates or updates a user in place, as RabbitMQ's PUT /api/users and a definitions import
/// do: an existing user keeps its permissions; a password is hashed, a password hash taken as
/// it is, an empty hash makes a user that cannot log in with a password, and neither keeps an
/// existing user's password (a new one gets a random password nobody knows).
/// </summary>
public static class UserPut
{
    public static UserPutResult Apply(Broker broker, string name, string? password, string? passwordHash, IReadOnlyList<string>? tags)
    {
        var user = broker.FindUser(name);
        bool created = user is null;
        user ??= broker.AddUser(name, password ?? RandomPassword(), tags ?? []);
        if (!created && tags is not null) user.Tags = tags;
        if (password is not null)
        {
            if (!created) user.SetPassword(password);
        }
        else if (passwordHash is { Length: 0 })
        {
            if (!created) user.SetPassword(RandomPassword());
        }
        else if (passwordHash is not null && !user.SetPasswordHash(passwordHash))
        {
            if (created) broker.DeleteUser(name);
            return UserPutResult.BadHash;
        }
        return created ? UserPutResult.Created : UserPutResult.Updated;
    }

    private static string RandomPassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}
