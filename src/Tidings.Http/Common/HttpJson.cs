using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Tidings.Http.Common;

/// <summary>
/// JSON settings of the HTTP API: snake_case names are written explicitly where RabbitMQ uses
/// them; reflection-based so dictionaries of header values serialize without a context.
/// </summary>
public static class HttpJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // Arguments and headers may nest BrokerLimits.MaxTableDepth (64) tables; a listing wraps
        // them in a few more levels. The default limit (64) made every listing that held such a
        // binding or queue throw, for good (found by fuzzing).
        MaxDepth = 4 * Core.Limits.BrokerLimits.MaxTableDepth,
    };
}
