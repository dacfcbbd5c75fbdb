namespace Tidings.Http.Management;

/// <summary>Who may call a route, from RabbitMQ's management access rules.</summary>
internal enum Access
{
    /// <summary>No credentials needed (this API's OpenAPI document).</summary>
    Public,
    /// <summary>
    /// A health check: <see cref="Management"/>, as in RabbitMQ, unless
    /// Tidings:Http:HealthChecks:RequireAuthentication is false, then <see cref="Public"/>.
    /// </summary>
    HealthCheck,
    /// <summary>Any user with a management tag: management, policymaker, monitoring or administrator.</summary>
    Management,
    /// <summary>monitoring or administrator.</summary>
    Monitoring,
    /// <summary>administrator only.</summary>
    Administrator,
}

/// <summary>A handler: reads the request, returns the reply; refusals are thrown as <see cref="ApiError"/> or BrokerException.</summary>
internal delegate Microsoft.AspNetCore.Http.IResult ApiHandler(ApiRequest request);

/// <summary>
/// One route of the API: a method and a path pattern below /api/ whose segments are literals or
/// {variables}, e.g. "queues/{vhost}/{name}/get".
/// </summary>
internal sealed class ApiRoute(string method, string pattern, Access access, string summary, ApiHandler handler, bool isList)
{
    public string Method { get; } = method;
    public string Pattern { get; } = pattern;
    /// <summary>The pattern split on '/'; variables keep their braces.</summary>
    public string[] Segments { get; } = pattern.Split('/');
    public Access Access { get; } = access;
    /// <summary>One line for the OpenAPI document.</summary>
    public string Summary { get; } = summary;
    public ApiHandler Handler { get; } = handler;
    /// <summary>A list endpoint: takes sort, pagination and columns parameters.</summary>
    public bool IsList { get; } = isList;

    /// <summary>True when the decoded path segments fit the pattern; fills <paramref name="values"/> with the variables.</summary>
    public bool Matches(string[] path, Dictionary<string, string> values)
    {
        if (path.Length != Segments.Length) return false;
        for (int i = 0; i < path.Length; i++)
        {
            string segment = Segments[i];
            if (segment.StartsWith('{')) continue;
            if (!string.Equals(segment, path[i], StringComparison.Ordinal)) return false;
        }
        values.Clear();
        for (int i = 0; i < path.Length; i++)
            if (Segments[i].StartsWith('{')) values[Segments[i][1..^1]] = path[i];
        return true;
    }
}
