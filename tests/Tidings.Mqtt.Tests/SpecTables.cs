using System.Text.Json;

namespace Tidings.Mqtt.Tests;

/// <summary>The machine-readable companions of the team's MQTT notes (shared/specs/mqtt), found by walking up from the test binaries.</summary>
internal static class SpecTables
{
    public static JsonDocument Load(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string path = Path.Combine(dir.FullName, "shared", "specs", "mqtt", file);
            if (File.Exists(path))
            {
                return JsonDocument.Parse(File.ReadAllText(path));
            }
        }

        throw new FileNotFoundException($"shared/specs/mqtt/{file} not found above {AppContext.BaseDirectory}");
    }
}
