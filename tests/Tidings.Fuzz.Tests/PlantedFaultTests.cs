using System.IO.Pipelines;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Tidings.Fuzz.Amqp;
using Tidings.Fuzz.Http;

namespace Tidings.Fuzz.Tests;

/// <summary>
/// The harness must be able to fail: targets with a fault planted where the real code would
/// have one, and a target that hangs, each produce a finding with its input saved and
/// replayable. Without these, a slice that finds nothing could mean a blind fuzzer.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class PlantedFaultTests : IDisposable
{
    private readonly TempDirectory _findings = new("tidings-fuzz-planted");

    public void Dispose() => _findings.Dispose();

    [Fact]
    public async Task An_exception_inside_the_amqp_connection_is_a_finding_with_a_replayable_input()
    {
        var report = await FuzzRunner.RunAsync(() => new FaultyTransportTarget(), Options(iterations: 300));

        // One kind per place the failing read lands (the protocol header or the frame loop, by chunking).
        Assert.NotEmpty(report.Findings);
        Assert.All(report.Findings, f => Assert.Contains("planted", f.Failure.Detail, StringComparison.Ordinal));
        var finding = report.Findings[0];
        Assert.True(File.Exists(finding.SavedAs), finding.ToString());
        var replayed = await FuzzRunner.ReplayAsync(new FaultyTransportTarget(), await File.ReadAllBytesAsync(finding.SavedAs!), TimeSpan.FromSeconds(10));
        Assert.Equal(finding.Failure.Kind, replayed?.Kind);
    }

    [Fact]
    public async Task A_failing_management_handler_is_a_finding()
    {
        var report = await FuzzRunner.RunAsync(() => new ManagementTarget(PlantThrowOnBrokenJson), Options(iterations: 300));

        Assert.NotEmpty(report.Findings);
        Assert.All(report.Findings, f => Assert.Contains("planted", f.Failure.Detail, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_500_from_a_handler_is_a_finding()
    {
        var report = await FuzzRunner.RunAsync(() => new ManagementTarget(Plant500OnPut), Options(iterations: 300));

        Assert.Contains(report.Findings, f => f.Failure.Kind.StartsWith("HTTP 500 from PUT", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_iteration_that_never_ends_is_a_hang()
    {
        var report = await FuzzRunner.RunAsync(() => new HangingTarget(), Options(iterations: 2) with { IterationTimeout = TimeSpan.FromMilliseconds(200) });

        var finding = Assert.Single(report.Findings);
        Assert.StartsWith("hang", finding.Failure.Kind, StringComparison.Ordinal);
        Assert.Equal(2, finding.Count);
    }

    private FuzzOptions Options(long iterations) => new()
    {
        Iterations = iterations,
        Seed = 5,
        FindingsDirectory = _findings.Path,
    };

    /// <summary>Throws from the management endpoints whenever the body is not JSON, as a parser that forgot its try would.</summary>
    private static void PlantThrowOnBrokenJson(WebApplication app) => app.Use(async (context, next) =>
    {
        if (context.Request.ContentLength > 0)
        {
            var body = new MemoryStream();
            context.Response.RegisterForDispose(body);
            await context.Request.Body.CopyToAsync(body);
            try
            {
                using var _ = System.Text.Json.JsonDocument.Parse(body.ToArray());
            }
            catch (System.Text.Json.JsonException)
            {
                throw new InvalidOperationException("planted: the body is not JSON");
            }
            body.Position = 0;
            context.Request.Body = body;
        }
        await next(context);
    });

    private static void Plant500OnPut(WebApplication app) => app.Use(async (context, next) =>
    {
        // Only the seed PUT /api/exchanges/%2F/fz.h: the target's own set-up PUTs must succeed.
        if (HttpMethods.IsPut(context.Request.Method) && context.Request.Path.Value?.EndsWith("/fz.h", StringComparison.Ordinal) == true)
        {
            context.Response.StatusCode = 500;
            return;
        }
        await next(context);
    });

    /// <summary>The AMQP target over a transport whose second read (the first after the protocol header) throws for odd-length inputs.</summary>
    private sealed class FaultyTransportTarget : AmqpTarget
    {
        protected override IDuplexPipe WrapServerSide(IDuplexPipe server, byte[] input) =>
            input.Length % 2 == 1 ? new Faulty(server) : server;

        private sealed class Faulty(IDuplexPipe inner) : IDuplexPipe
        {
            public PipeReader Input { get; } = new ThrowingReader(inner.Input);
            public PipeWriter Output => inner.Output;
        }

        private sealed class ThrowingReader(PipeReader inner) : PipeReader
        {
            private int _reads;

            public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
                ++_reads == 2 ? throw new InvalidOperationException("planted: a read that fails") : inner.ReadAsync(cancellationToken);

            public override bool TryRead(out ReadResult result) => inner.TryRead(out result);
            public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);
            public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);
            public override void CancelPendingRead() => inner.CancelPendingRead();
            public override void Complete(Exception? exception = null) => inner.Complete(exception);
        }
    }

    private sealed class HangingTarget : IFuzzTarget
    {
        public string Name => "hanging";
        public Task StartAsync() => Task.CompletedTask;
        public byte[] NextInput(Random random) => [1, 2, 3];
        public Task<Failure?> RunAsync(byte[] input, CancellationToken cancellation) => new TaskCompletionSource<Failure?>().Task;
        public Task<Failure?> CheckHealthAsync(CancellationToken cancellation) => Task.FromResult<Failure?>(null);
        public string Summary() => "";
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
