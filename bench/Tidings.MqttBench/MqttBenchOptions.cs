using System.Globalization;
using System.Net;

namespace Tidings.MqttBench;

/// <summary>The command line: <c>tidings-mqttbench --scenario m1 [--host H] [--port P] [--time S] …</c>.</summary>
internal sealed class MqttBenchOptions
{
    public const string Usage = """
        tidings-mqttbench --scenario m1|m2|m3|m4|m5|m6 [options]
          --host H            broker address (127.0.0.1)
          --port P            MQTT port (1883)
          --time S            seconds of traffic for m1-m4, seconds to hold connections for m5 (10)
          --size N            payload bytes, at least 16 (128)
          --subscribers N     m3 fan-out subscribers (50)
          --rate N            m4 messages per second (5000)
          --connections N     m5 idle connections (10000)
          --messages N        m6 messages queued while the subscriber is offline (100000)
          --window N          QoS 1 publishes a publisher keeps unacknowledged (500)
          --label TEXT        copied into the JSON result
        Prints one JSON object (the result) as its last line; m5 prints `ready connections=N` first.
        """;

    public string Scenario { get; private set; } = "";
    public string Host { get; private set; } = "127.0.0.1";
    public int Port { get; private set; } = 1883;
    public double TimeSeconds { get; private set; } = 10;
    public int Size { get; private set; } = 128;
    public int Subscribers { get; private set; } = 50;
    public int Rate { get; private set; } = 5000;
    public int Connections { get; private set; } = 10000;
    public int Messages { get; private set; } = 100000;
    public int Window { get; private set; } = 500;
    public string? Label { get; private set; }

    public IPEndPoint Broker => new(IPAddress.Parse(Host), Port);

    public static MqttBenchOptions Parse(string[] args)
    {
        var options = new MqttBenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);
            switch (name)
            {
                case "--scenario": options.Scenario = Value(); break;
                case "--host": options.Host = Value(); break;
                case "--port": options.Port = Int(); break;
                case "--time": options.TimeSeconds = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--size": options.Size = Int(); break;
                case "--subscribers": options.Subscribers = Int(); break;
                case "--rate": options.Rate = Int(); break;
                case "--connections": options.Connections = Int(); break;
                case "--messages": options.Messages = Int(); break;
                case "--window": options.Window = Int(); break;
                case "--label": options.Label = Value(); break;
                default: throw new ArgumentException($"unknown option {name}");
            }
        }
        if (options.Scenario is not ("m1" or "m2" or "m3" or "m4" or "m5" or "m6"))
            throw new ArgumentException("--scenario must be one of m1..m6");
        // The payload carries a sequence number and a timestamp; the receive buffer holds 256 KiB.
        if (options.Size is < MqttWire.PayloadHeader or > 64 * 1024) throw new ArgumentException("--size must be 16..65536");
        if (options.Window is < 1 or > 1000) throw new ArgumentException("--window must be 1..1000 (brokers cap unacknowledged publishes)");
        return options;
    }
}
