using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tidings.Server.Http;

/// <summary>Source-generated JSON for every HTTP API type: no reflection, ready for trimming.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(HealthCheckResponse))]
internal sealed partial class HttpJsonContext : JsonSerializerContext;
