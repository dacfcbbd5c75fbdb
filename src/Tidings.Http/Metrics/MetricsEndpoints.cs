using Microsoft.AspNetCore.Routing;

namespace Tidings.Http.Metrics;

/// <summary>Routes of the Metrics area.</summary>
internal static class MetricsEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
    }
}
