using Microsoft.AspNetCore.Http;
using Tidings.Core;

namespace Tidings.Http.Common;

/// <summary>
/// Errors in RabbitMQ's management shape, {"error": kind, "reason": text}, with the matching
/// status code, so tools that parse RabbitMQ's errors understand ours.
/// </summary>
public static class HttpErrors
{
    public static IResult Error(int status, string error, string reason) =>
        Results.Json(new Dictionary<string, string> { ["error"] = error, ["reason"] = reason }, HttpJson.Options, statusCode: status);

    public static IResult BadRequest(string reason) => Error(StatusCodes.Status400BadRequest, "bad_request", reason);

    public static IResult NotFound() => Error(StatusCodes.Status404NotFound, "Object Not Found", "Not Found");

    public static IResult Unauthorized(string reason) => Error(StatusCodes.Status401Unauthorized, "not_authorised", reason);

    public static IResult Forbidden(string reason) => Error(StatusCodes.Status403Forbidden, "not_authorised", reason);

    public static IResult TooLarge(string reason) => Error(StatusCodes.Status413PayloadTooLarge, "payload_too_large", reason);

    public static IResult UnsupportedMediaType(string reason) =>
        Error(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", reason);

    public static IResult TooManyRequests(string reason) => Error(StatusCodes.Status429TooManyRequests, "too_many_requests", reason);

    public static IResult InternalError(string reason) => Error(StatusCodes.Status500InternalServerError, "internal_server_error", reason);

    public static IResult Blocked(string reason) => Error(StatusCodes.Status503ServiceUnavailable, "resource_alarm", reason);

    /// <summary>Maps a core refusal: missing → 404, refused → 403, locked/precondition → 400 as RabbitMQ does.</summary>
    public static IResult FromBroker(BrokerException e) => e.Error switch
    {
        BrokerError.NotFound => Error(StatusCodes.Status404NotFound, "not_found", e.Message),
        BrokerError.AccessRefused => Error(StatusCodes.Status403Forbidden, "access_refused", e.Message),
        BrokerError.ResourceLocked => Error(StatusCodes.Status400BadRequest, "resource_locked", e.Message),
        BrokerError.PreconditionFailed => Error(StatusCodes.Status400BadRequest, "bad_request", e.Message),
        _ => Error(StatusCodes.Status400BadRequest, "bad_request", e.Message),
    };
}
