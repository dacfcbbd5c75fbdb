using System.Text;
using Tidings.Core;
using Tidings.Core.Definitions;
using Tidings.Fuzz.Http;
using Tidings.Storage;

namespace Tidings.Fuzz.Definitions;

/// <summary>
/// Definitions import, both doors: POST /api/definitions (and /api/definitions/{vhost}) on
/// the real HTTP endpoints, and the on-disk reader <see cref="DefinitionsFile.Load"/> that
/// runs at start-up (input "FILE /definitions.json" then the file's bytes). The reader must
/// report problems, never throw; whatever it accepted must save and load again into a fresh
/// broker without a problem and with the same objects and arguments (a round trip).
/// </summary>
internal sealed class DefinitionsTarget : HttpTarget
{
    private const string Seed = """
        {"rabbit_version":"4.1.0","product_name":"Tidings",
         "users":[{"name":"fz.admin","password_hash":"kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR","hashing_algorithm":"rabbit_password_hashing_sha256","tags":["administrator"],"limits":{}},
                  {"name":"fz.app","password_hash":"","tags":"management"}],
         "vhosts":[{"name":"/"},{"name":"fz","description":"d","tags":["t"],"default_queue_type":"classic","metadata":{"description":"d","tags":["t"]}}],
         "permissions":[{"user":"fz.admin","vhost":"fz","configure":".*","write":".*","read":".*"},{"user":"fz.app","vhost":"/","configure":"","write":"^fz","read":"^fz"}],
         "topic_permissions":[],"parameters":[],"global_parameters":[],"policies":[],
         "exchanges":[{"name":"fz.x","vhost":"/","type":"topic","durable":true,"auto_delete":false,"internal":false,"arguments":{"alternate-exchange":"amq.fanout"}},
                      {"name":"fz.h","vhost":"fz","type":"headers","durable":true,"auto_delete":true,"internal":true,"arguments":{}}],
         "queues":[{"name":"fz.q","vhost":"/","durable":true,"auto_delete":false,"arguments":{"x-message-ttl":60000,"x-max-length":5,"x-dead-letter-exchange":"fz.x","x-queue-type":"classic","x-overflow":"drop-head"}},
                   {"name":"fz.q2","vhost":"fz","durable":true,"auto_delete":false,"arguments":{}}],
         "bindings":[{"source":"fz.x","vhost":"/","destination":"fz.q","destination_type":"queue","routing_key":"a.*","arguments":{"k":[1,"v",{"n":null}]}},
                     {"source":"amq.direct","vhost":"/","destination":"fz.x","destination_type":"exchange","routing_key":"","arguments":{}},
                     {"source":"fz.h","vhost":"fz","destination":"fz.q2","destination_type":"queue","routing_key":"","arguments":{"x-match":"any","a":1}}]}
        """;

    private static readonly HttpSeed[] AllSeeds =
    [
        new("POST", "api/definitions", Seed),
        new("POST", "api/definitions/fz", Seed),
        new("FILE", "definitions.json", Seed),
        new("FILE", "definitions.json", Seed),
    ];

    /// <summary>Where file inputs are written; one directory per target instance.</summary>
    private readonly string _directory = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(),
        "tidings-fuzz-definitions-" + Guid.NewGuid().ToString("N"));

    public override string Name => "definitions";

    protected override IReadOnlyList<HttpSeed> Seeds => AllSeeds;

    protected override async Task PrepareAsync(HttpHost host, CancellationToken cancellation) =>
        await host.RequireAsync("PUT", "/api/vhosts/fz", null, cancellation).ConfigureAwait(false);

    protected override bool IsOutsideHttp(HttpCase request) => request.Method == "FILE";

    protected override Task<Failure?> RunOutsideHttpAsync(HttpCase request, CancellationToken cancellation)
    {
        string first = Path.Combine(_directory, "load"), second = Path.Combine(_directory, "reload");
        Directory.CreateDirectory(first);
        Directory.CreateDirectory(second);
        File.WriteAllBytes(Path.Combine(first, DefinitionsFile.FileName), request.Body);
        using var broker = NewBroker();
        try
        {
            DefinitionsFile.Load(broker, first);
        }
        catch (Exception e)
        {
            return Task.FromResult<Failure?>(Failure.FromException("DefinitionsFile.Load threw instead of reporting a problem", e));
        }
        try
        {
            DefinitionsFile.Save(broker, second);
            using var again = NewBroker();
            var problems = DefinitionsFile.Load(again, second);
            if (problems.Count > 0)
                return Task.FromResult<Failure?>(new Failure("round trip: definitions saved from an import do not load again",
                    string.Join(Environment.NewLine, problems)));
            if (Shape(broker) != Shape(again))
                return Task.FromResult<Failure?>(new Failure("round trip: reloaded definitions differ", $"{Shape(broker)}{Environment.NewLine}{Shape(again)}"));
        }
        catch (Exception e)
        {
            return Task.FromResult<Failure?>(Failure.FromException("round trip: save or reload threw", e));
        }
        return Task.FromResult<Failure?>(null);
    }

    /// <summary>Arguments in the definitions' exact JSON: the reload must give every value back with its type.</summary>
    private static string Exact(IReadOnlyDictionary<string, object?> arguments) =>
        FieldValueJson.ToJsonString(arguments.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList(), FieldJsonStyle.Exact);

    /// <summary>The durable objects with their arguments, for comparing two brokers.</summary>
    private static string Shape(Broker broker)
    {
        var text = new StringBuilder();
        foreach (var vhost in broker.VirtualHosts.OrderBy(v => v.Name, StringComparer.Ordinal))
        {
            text.Append("vhost ").Append(vhost.Name).Append(':');
            foreach (var x in vhost.Exchanges.Where(x => x.Durable).OrderBy(x => x.Name, StringComparer.Ordinal))
                text.Append(" x=").Append(x.Name).Append(Exact(x.Arguments));
            foreach (var q in vhost.Queues.Where(q => q.Durable).OrderBy(q => q.Name, StringComparer.Ordinal))
                text.Append(" q=").Append(q.Name).Append(Exact(q.Arguments));
            text.Append(" bindings=").Append(vhost.Bindings.Count).Append(';');
        }
        foreach (var user in broker.Users.OrderBy(u => u.Name, StringComparer.Ordinal)) text.Append(" user=").Append(user.Name);
        return text.ToString();
    }

    private static Broker NewBroker() => new(FuzzBrokerOptions.Create());
}
