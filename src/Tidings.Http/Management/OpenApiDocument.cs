using Tidings.Core;
using Fields = System.Collections.Generic.Dictionary<string, object?>;

namespace Tidings.Http.Management;

/// <summary>
/// /api/openapi.json: an OpenAPI 3 description generated from the route table, so it lists
/// exactly the routes that exist, with their path variables, auth and list parameters.
/// </summary>
internal static class OpenApiDocument
{
    public static void Register(ApiRouter router)
    {
        router.Get("openapi.json", Access.Public, "This OpenAPI document", r => Json.Ok(Build(ManagementEndpoints.Router)));
    }

    private static readonly (string Name, string Description)[] ListParameters =
    [
        ("page", "Page number (from 1); with it the reply is a page object instead of an array"),
        ("page_size", "Items per page, 1 to 500 (default 100)"),
        ("name", "Keep items whose name contains this (case-insensitive)"),
        ("use_regex", "true: name is a case-insensitive regular expression"),
        ("sort", "Field to sort on, e.g. name or message_stats.publish"),
        ("sort_reverse", "true: reverse the order"),
        ("columns", "Comma-separated fields to keep, e.g. name,messages"),
    ];

    public static Fields Build(ApiRouter router)
    {
        var paths = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var route in router.Routes)
        {
            string path = "/api/" + route.Pattern;
            if (!paths.TryGetValue(path, out var item)) paths[path] = item = new Fields();
            ((Fields)item!)[route.Method.ToLowerInvariant()] = Operation(route);
        }
        return new Fields
        {
            ["openapi"] = "3.0.3",
            ["info"] = new Fields
            {
                ["title"] = "Tidings management API",
                ["version"] = Broker.Version,
                ["description"] = "RabbitMQ-compatible management HTTP API. Virtual host names in paths are " +
                                  "percent-encoded (%2F for the default vhost \"/\"); amq.default names the default exchange.",
            },
            ["paths"] = paths,
            ["components"] = new Fields
            {
                ["securitySchemes"] = new Fields { ["basic"] = new Fields { ["type"] = "http", ["scheme"] = "basic" } },
                ["schemas"] = new Fields
                {
                    ["Error"] = new Fields
                    {
                        ["type"] = "object",
                        ["properties"] = new Fields
                        {
                            ["error"] = new Fields { ["type"] = "string" },
                            ["reason"] = new Fields { ["type"] = "string" },
                        },
                    },
                },
            },
            ["security"] = new[] { new Fields { ["basic"] = Array.Empty<string>() } },
        };
    }

    private static Fields Operation(ApiRoute route)
    {
        var parameters = route.Segments.Where(s => s.StartsWith('{')).Select(s => (object?)new Fields
        {
            ["name"] = s[1..^1],
            ["in"] = "path",
            ["required"] = true,
            ["schema"] = new Fields { ["type"] = "string" },
        }).ToList();
        if (route.IsList)
        {
            parameters.AddRange(ListParameters.Select(p => (object?)new Fields
            {
                ["name"] = p.Name,
                ["in"] = "query",
                ["required"] = false,
                ["description"] = p.Description,
                ["schema"] = new Fields { ["type"] = "string" },
            }));
        }
        var operation = new Fields
        {
            ["summary"] = route.Summary,
            ["operationId"] = route.Method.ToLowerInvariant() + "_" + string.Join('_',
                route.Segments.Select(s => s.Trim('{', '}').Replace('-', '_').Replace('.', '_'))),
            ["parameters"] = parameters,
            ["responses"] = Responses(route),
        };
        if (route.Method is "PUT" or "POST")
        {
            operation["requestBody"] = new Fields
            {
                ["required"] = false,
                ["content"] = new Fields { ["application/json"] = new Fields { ["schema"] = new Fields { ["type"] = "object" } } },
            };
        }
        if (route.Access == Access.Public) operation["security"] = Array.Empty<object>();
        // Health checks are described as they are by default; Tidings:Http:HealthChecks:RequireAuthentication can open them.
        else if (route.Access == Access.HealthCheck) operation["x-required-tag"] = "management";
        else operation["x-required-tag"] = route.Access.ToString().ToLowerInvariant();
        return operation;
    }

    private static Fields Responses(ApiRoute route)
    {
        var json = new Fields { ["application/json"] = new Fields { ["schema"] = new Fields() } };
        var error = new Fields { ["application/json"] = new Fields { ["schema"] = new Fields { ["$ref"] = "#/components/schemas/Error" } } };
        var responses = new Fields();
        switch (route.Method)
        {
            case "GET":
                responses["200"] = new Fields { ["description"] = "OK", ["content"] = json };
                break;
            case "PUT":
                responses["201"] = new Fields { ["description"] = "Created" };
                responses["204"] = new Fields { ["description"] = "Updated" };
                break;
            case "DELETE":
                responses["204"] = new Fields { ["description"] = "Deleted" };
                break;
            default:
                if (route.Pattern.EndsWith("/get", StringComparison.Ordinal) || route.Pattern.EndsWith("/publish", StringComparison.Ordinal))
                    responses["200"] = new Fields { ["description"] = "OK", ["content"] = json };
                else if (route.Pattern.StartsWith("bindings/", StringComparison.Ordinal))
                    responses["201"] = new Fields { ["description"] = "Created; Location names the new binding" };
                else
                    responses["204"] = new Fields { ["description"] = "Done" };
                break;
        }
        if (route.Pattern.StartsWith("health", StringComparison.Ordinal))
            responses["503"] = new Fields { ["description"] = "Check failed: {\"status\":\"failed\",\"reason\":...}" };
        if (route.Access != Access.Public)
        {
            responses["400"] = new Fields { ["description"] = "Bad request", ["content"] = error };
            responses["401"] = new Fields { ["description"] = "No or wrong credentials", ["content"] = error };
            responses["403"] = new Fields { ["description"] = "Not allowed for this user", ["content"] = error };
            responses["404"] = new Fields { ["description"] = "Not found", ["content"] = error };
        }
        return responses;
    }
}
