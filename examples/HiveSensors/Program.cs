using Tidings.Examples.HiveSensors;

// Usage: dotnet run --project examples/HiveSensors -- [mqtt-host] [mqtt-port] [amqp-url] [seconds]
// Against `tidings serve` (or RabbitMQ with its MQTT plugin): configures four sensors in two
// hives, simulates people coming and going, and prints each hive's occupancy and the alerts.
string host = args.Length > 0 ? args[0] : "127.0.0.1";
int port = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1883;
var amqp = new Uri(args.Length > 2 ? args[2] : "amqp://guest:guest@127.0.0.1:5672/");
int seconds = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 10;

await using var service = await OccupancyService.StartAsync(amqp, threshold: 20);
await using var configuration = new ConfigurationPublisher();
await configuration.ConnectAsync(host, port);
string[] hives = ["north", "south"];
var sensors = new List<SensorSimulator>();
foreach (string hive in hives)
{
    for (int door = 1; door <= 2; door++)
    {
        string id = $"{hive}-door{door}";
        await configuration.ConfigureAsync(id, new SensorConfiguration(1200, 1800, 600, 5, 1));
        var sensor = new SensorSimulator(hive, id);
        Console.WriteLine($"{id}: connected, session present: {await sensor.ConnectAsync(host, port)}");
        sensors.Add(sensor);
    }
}

var random = new Random(42);
var until = DateTime.UtcNow.AddSeconds(seconds);
while (DateTime.UtcNow < until)
{
    foreach (var sensor in sensors)
    {
        // More people come in than go out at first, then the hive empties.
        bool filling = until - DateTime.UtcNow > TimeSpan.FromSeconds(seconds / 2.0);
        if (random.NextDouble() < (filling ? 0.7 : 0.3)) sensor.RecordEntry();
        else sensor.RecordExit();
        await sensor.FlushAsync();
    }
    await Task.Delay(100);
}
foreach (var sensor in sensors)
{
    sensor.ReportPeriodic();
    sensor.ReportStatus();
    await sensor.FlushAsync();
}
await Task.Delay(500);
foreach (string hive in hives) Console.WriteLine($"{hive}: {service.OccupancyOf(hive)} people inside");
foreach (var alert in service.Alerts)
    Console.WriteLine($"alert: {alert.Hive} {(alert.Over ? "above" : "back to")} {alert.Threshold} with {alert.Occupancy}");
foreach (var sensor in sensors) await sensor.DisposeAsync();
