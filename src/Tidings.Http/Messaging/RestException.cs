using Microsoft.AspNetCore.Http;
using Tidings.Http.Common;

namespace Tidings.Http.Messaging;

/// <summary>
/// A request the messaging endpoints refuse before or instead of a broker operation; the endpoint
/// wrapper turns it into its JSON error response (<see cref="Result"/>).
/// </summary>
internal sealed class RestException(IResult result, string reason) : Exception(reason)
{
    /// <summary>The error response, in RabbitMQ's {"error","reason"} shape.</summary>
    public IResult Result { get; } = result;

    public static RestException BadRequest(string reason) => new(HttpErrors.BadRequest(reason), reason);

    public static RestException NotFound(string reason) =>
        new(HttpErrors.Error(StatusCodes.Status404NotFound, "not_found", reason), reason);

    public static RestException Forbidden(string reason) => new(HttpErrors.Forbidden(reason), reason);

    public static RestException TooLarge(string reason) => new(HttpErrors.TooLarge(reason), reason);

    public static RestException Blocked(string reason) => new(HttpErrors.Blocked(reason), reason);
}
