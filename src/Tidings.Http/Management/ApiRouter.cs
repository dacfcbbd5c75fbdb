namespace Tidings.Http.Management;

/// <summary>
/// The route table of the management API. Routes are tried in registration order, so a literal
/// ("queues/detailed") is registered before the variable it would also match ("queues/{vhost}").
/// </summary>
internal sealed class ApiRouter
{
    /// <summary>Every route in registration order; filled once at startup, read-only afterwards.</summary>
    private readonly List<ApiRoute> _routes = [];

    /// <summary>Every route, in registration order (the OpenAPI document is built from them).</summary>
    public IReadOnlyList<ApiRoute> Routes => _routes;

    public void Get(string pattern, Access access, string summary, ApiHandler handler) => Add("GET", pattern, access, summary, handler);
    /// <summary>A GET that replies a list (sort, pagination and columns apply).</summary>
    public void GetList(string pattern, Access access, string summary, ApiHandler handler) =>
        _routes.Add(new ApiRoute("GET", pattern, access, summary, handler, isList: true));
    public void Put(string pattern, Access access, string summary, ApiHandler handler) => Add("PUT", pattern, access, summary, handler);
    public void Post(string pattern, Access access, string summary, ApiHandler handler) => Add("POST", pattern, access, summary, handler);
    public void Delete(string pattern, Access access, string summary, ApiHandler handler) => Add("DELETE", pattern, access, summary, handler);

    private void Add(string method, string pattern, Access access, string summary, ApiHandler handler) =>
        _routes.Add(new ApiRoute(method, pattern, access, summary, handler, isList: false));

    /// <summary>
    /// The route for a method and path; when none, whether another method has the path
    /// (then the answer is 405, else 404).
    /// </summary>
    public (ApiRoute? Route, bool PathKnown) Match(string method, string[] path, Dictionary<string, string> values)
    {
        bool pathKnown = false;
        string? matchedPattern = null;
        foreach (var route in _routes)
        {
            // A path belongs to the first pattern it fits; a later, more general pattern does not take it.
            if (matchedPattern is not null && route.Pattern != matchedPattern) continue;
            if (!route.Matches(path, values)) continue;
            matchedPattern = route.Pattern;
            pathKnown = true;
            if (string.Equals(route.Method, method, StringComparison.OrdinalIgnoreCase)) return (route, true);
        }
        return (null, pathKnown);
    }
}
