using Switchyard.Control.Controllers;
using Switchyard.Store;
using Switchyard.Store.Memory;

namespace Switchyard.Control.Tests.Controllers;

public sealed class ControllerHostTests
{
    private static readonly ControllerHostOptions Fast = new() { InitialBackoff = TimeSpan.FromMilliseconds(1), MaxBackoff = TimeSpan.FromMilliseconds(5) };

    [Fact]
    public async Task RunAsync_ControllerFails_IsRestartedUntilItRuns()
    {
        await using var store = new InMemoryResourceStore();
        var flaky = new ScriptedController("flaky", failures: 3);
        var steady = new ScriptedController("steady", failures: 0);
        var host = new ControllerHost([flaky, steady], Fast);
        using var stop = new CancellationTokenSource();

        var run = host.AsBackgroundLoop()(store, stop.Token);
        await WaitUntilAsync(() => flaky.Running && steady.Running);
        await stop.CancelAsync();
        await run;

        Assert.Equal(4, flaky.Starts);
        Assert.Equal(1, steady.Starts);
        Assert.True(flaky.SawCancellation && steady.SawCancellation);
    }

    [Fact]
    public async Task RunAsync_ControllerReturnsEarly_IsRestarted()
    {
        await using var store = new InMemoryResourceStore();
        var quitter = new ScriptedController("quitter", failures: 2, failByReturning: true);
        using var stop = new CancellationTokenSource();

        var run = new ControllerHost([quitter], Fast).RunAsync(store, stop.Token);
        await WaitUntilAsync(() => quitter.Running);
        await stop.CancelAsync();
        await run;

        Assert.Equal(3, quitter.Starts);
    }

    [Fact]
    public async Task AsHostedService_StartAndStop_RunsAndCancelsControllers()
    {
        await using var store = new InMemoryResourceStore();
        var controller = new ScriptedController("c", failures: 0);
        var service = new ControllerHost([controller], Fast).AsHostedService(store);

        await service.StartAsync(CancellationToken.None);
        await WaitUntilAsync(() => controller.Running);
        await service.StopAsync(CancellationToken.None);

        Assert.True(controller.SawCancellation);
    }

    [Fact]
    public void Options_Invalid_ListsEveryProblem()
    {
        var e = Assert.Throws<ArgumentException>(() => new ControllerHostOptions { InitialBackoff = TimeSpan.Zero, MaxBackoff = TimeSpan.FromSeconds(-1), HealthyAfter = TimeSpan.Zero }.Validate());

        Assert.Equal("invalid controller host options: InitialBackoff must be positive; MaxBackoff must be at least InitialBackoff; HealthyAfter must be positive", e.Message);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(5);
        }
    }

    private sealed class ScriptedController(string name, int failures, bool failByReturning = false) : IController
    {
        private int _starts;
        private volatile bool _running;
        private volatile bool _sawCancellation;

        public string Name => name;
        public int Starts => Volatile.Read(ref _starts);
        public bool Running => _running;
        public bool SawCancellation => _sawCancellation;

        public async Task RunAsync(IResourceStore store, CancellationToken cancellationToken)
        {
            var start = Interlocked.Increment(ref _starts);
            if (start <= failures)
            {
                if (failByReturning) return;
                throw new InvalidOperationException($"{name} failure {start}");
            }
            _running = true;
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            finally
            {
                _sawCancellation = cancellationToken.IsCancellationRequested;
            }
        }
    }
}
