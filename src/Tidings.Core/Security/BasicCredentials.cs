using System.Text;

namespace Tidings.Core.Security;

/// <summary>
/// An HTTP Basic <c>Authorization</c> header's user name and password, for every HTTP adapter
/// (management API, logging-queue API) to check with <see cref="Broker.Authenticate"/>.
/// </summary>
public static class BasicCredentials
{
    /// <summary>True when the header uses the Basic scheme (any case), whether or not what follows is well formed.</summary>
    public static bool IsBasic(string? header) => header is not null && header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase);

    /// <summary>The name and password of a Basic header; false when it is not Basic, not base64, or has no colon.</summary>
    public static bool TryParse(string? header, out string name, out string password)
    {
        name = password = "";
        if (!IsBasic(header)) return false;
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header!["Basic ".Length..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }
        int colon = decoded.IndexOf(':');
        if (colon < 0) return false;
        name = decoded[..colon];
        password = decoded[(colon + 1)..];
        return true;
    }
}
