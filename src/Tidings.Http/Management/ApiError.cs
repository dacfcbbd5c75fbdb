using Microsoft.AspNetCore.Http;

namespace Tidings.Http.Management;

/// <summary>
/// Ends a management request early with a ready error reply. Thrown from helpers deep in a
/// handler (bad JSON, unknown vhost, refused access) so that handlers read top to bottom.
/// </summary>
internal sealed class ApiError(IResult result) : Exception("management API error reply")
{
    /// <summary>The reply to send.</summary>
    public IResult Result { get; } = result;
}
