using Microsoft.AspNetCore.Routing;

namespace Tidings.Http.Messaging;

/// <summary>Routes of the Messaging area.</summary>
internal static class MessagingEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
    }
}
