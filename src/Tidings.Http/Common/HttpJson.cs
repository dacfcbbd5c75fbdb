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
    };
}
