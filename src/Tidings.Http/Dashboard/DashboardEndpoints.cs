using Microsoft.AspNetCore.Builder;

namespace Tidings.Http.Dashboard;

/// <summary>Serves the web dashboard.</summary>
internal static class DashboardEndpoints
{
    public static void Map(WebApplication app)
    {
    }
}
