using Microsoft.AspNetCore.Routing;

namespace Tidings.Http.Management;

/// <summary>Routes of the Management area.</summary>
internal static class ManagementEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        HealthEndpoints.Map(endpoints);
    }
}
