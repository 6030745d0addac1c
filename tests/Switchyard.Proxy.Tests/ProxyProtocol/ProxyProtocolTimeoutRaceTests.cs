using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Switchyard.Proxy.ProxyProtocol;
using Switchyard.Proxy.Telemetry;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.ProxyProtocol;

/// <summary>
/// The PROXY protocol header timeout firing as the header completes: a timer callback already dispatched when the
/// listener disposes its timer still runs, and must not throw on the timer thread (an unhandled exception there ends
/// the process). The timers here never fire by themselves; the test fires them after the listener is done.
/// </summary>
public sealed class ProxyProtocolTimeoutRaceTests
{
    private sealed class HeldTimers : TimeProvider
    {
        public List<(TimerCallback Callback, object? State)> Created { get; } = [];

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (Created) Created.Add((callback, state));
            return new Held();
        }

        private sealed class Held : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => default;
        }
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    [Fact]
    public async Task TimeoutFiresAsTheHeaderCompletes_CallbackDoesNotThrow()
    {
        var time = new HeldTimers();
        var listener = new ProxyProtocolListener(() => "test", TimeSpan.FromSeconds(5), time, new ProxyMetrics());
        var (input, output) = (new Pipe(), new Pipe());
        var connection = new DefaultConnectionContext("c1", new Duplex(input.Reader, output.Writer), new Duplex(output.Reader, input.Writer));
        await input.Writer.WriteAsync(ProxyProtocolClient.Ascii("PROXY TCP4 198.51.100.7 203.0.113.9 40001 443\r\n"));
        var served = false;

        await listener.Middleware(_ =>
        {
            served = true;
            return Task.CompletedTask;
        })(connection);

        Assert.True(served);
        Assert.NotEmpty(time.Created);
        foreach (var (callback, state) in time.Created) callback(state); // dispatched just before the listener disposed it
    }
}
