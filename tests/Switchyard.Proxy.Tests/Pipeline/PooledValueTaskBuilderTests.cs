using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using Switchyard.Proxy.Pipeline;

namespace Switchyard.Proxy.Tests.Pipeline;

/// <summary>
/// The builder of the request path's async methods: results, exceptions and cancellation as any ValueTask gives them,
/// the execution context flowing, and boxes reused with many methods suspended on one thread at once.
/// </summary>
public sealed class PooledValueTaskBuilderTests
{
    /// <summary>An awaitable the test completes, inline on its own thread, as an event loop completes a socket operation.</summary>
    private sealed class Gate : IValueTaskSource<int>
    {
        private ManualResetValueTaskSourceCore<int> _core;

        public ValueTask<int> WaitAsync() => new(this, _core.Version);

        public void Open(int value) => _core.SetResult(value);

        public void Fail(Exception e) => _core.SetException(e);

        public int GetResult(short token)
        {
            var result = _core.GetResult(token);
            _core.Reset();
            return result;
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }

    private static readonly AsyncLocal<string?> Flowing = new();

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private static async ValueTask<int> AddAfterAsync(Gate? gate, int add)
    {
        var value = gate is null ? 0 : await gate.WaitAsync().ConfigureAwait(false);
        return value + add;
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private static async ValueTask<int> ThrowAfterAsync(Gate? gate)
    {
        if (gate is not null) await gate.WaitAsync().ConfigureAwait(false);
        throw new InvalidDataException("thrown by the method");
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private static async ValueTask<int> CanceledBeforeSuspendingAsync(CancellationToken token)
    {
        token.ThrowIfCancellationRequested();
        return await new Gate().WaitAsync().ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder))]
    private static async ValueTask NonGenericCanceledBeforeSuspendingAsync(CancellationToken token)
    {
        token.ThrowIfCancellationRequested();
        await new Gate().WaitAsync().ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private static async ValueTask<string?> FlowingAfterAsync(Gate gate)
    {
        await gate.WaitAsync().ConfigureAwait(false);
        return Flowing.Value;
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder))]
    private static async ValueTask WaitTwiceAsync(Gate first, Gate second, List<int> seen)
    {
        seen.Add(await first.WaitAsync().ConfigureAwait(false));
        seen.Add(await second.WaitAsync().ConfigureAwait(false));
    }

    [Fact]
    public async Task CompletingSynchronously_GivesTheResult()
    {
        var task = AddAfterAsync(null, 5);
        Assert.True(task.IsCompletedSuccessfully);
        Assert.Equal(5, await task);
    }

    [Fact]
    public async Task Suspended_GivesTheResultWhenResumed()
    {
        var gate = new Gate();
        var task = AddAfterAsync(gate, 1);
        Assert.False(task.IsCompleted);
        gate.Open(41);
        Assert.Equal(42, await task);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Exception_ReachesTheAwaiter(bool suspended)
    {
        var gate = suspended ? new Gate() : null;
        var task = ThrowAfterAsync(gate);
        gate?.Open(0);
        await Assert.ThrowsAsync<InvalidDataException>(async () => await task);
    }

    [Fact]
    public async Task Cancellation_ReadsAsCanceled()
    {
        var gate = new Gate();
        var task = AddAfterAsync(gate, 0);
        gate.Fail(new OperationCanceledException());
        Assert.True(task.IsCanceled);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await task);
    }

    [Fact]
    public async Task CanceledBeforeSuspending_ReadsAsCanceled()
    {
        using var canceled = new CancellationTokenSource();
        await canceled.CancelAsync();
        var generic = CanceledBeforeSuspendingAsync(canceled.Token);
        var plain = NonGenericCanceledBeforeSuspendingAsync(canceled.Token);
        Assert.True(generic.IsCanceled);
        Assert.True(plain.IsCanceled);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await generic);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await plain);
    }

    [Fact]
#pragma warning disable CA2012 // reading a pending ValueTask's result is the misuse this test makes
    public void ResultReadBeforeCompletion_RefusedAndTheBoxNotSpared()
    {
        var gate = new Gate();
        var task = AddAfterAsync(gate, 1);
        Assert.Throws<InvalidOperationException>(() => task.Result);
        // Spares are taken last in, first out: a box wrongly spared above would be this one's, its state overwritten.
        var otherGate = new Gate();
        var other = AddAfterAsync(otherGate, 100);
        gate.Open(41);
        Assert.Equal(42, task.Result);
        otherGate.Open(1);
        Assert.Equal(101, other.Result);
    }
#pragma warning restore CA2012

    [Fact]
    public async Task ExecutionContext_FlowsToTheContinuation()
    {
        var gate = new Gate();
        Flowing.Value = "caller";
        var task = FlowingAfterAsync(gate);
        // The continuation runs on a thread whose own context has no value.
        Task opened;
        using (ExecutionContext.SuppressFlow())
        {
            opened = Task.Run(() =>
            {
                Assert.Null(Flowing.Value);
                gate.Open(0);
            });
        }
        await opened;
        Assert.Equal("caller", await task);
    }

    [Fact]
    public async Task NonGeneric_ResumesAfterEachSuspension()
    {
        var (first, second, seen) = (new Gate(), new Gate(), new List<int>());
        var task = WaitTwiceAsync(first, second, seen);
        first.Open(1);
        Assert.False(task.IsCompleted);
        second.Open(2);
        await task;
        Assert.Equal([1, 2], seen);
    }

    [Fact]
    public async Task AwaitedTwice_Refused()
    {
        var gate = new Gate();
        var task = AddAfterAsync(gate, 0);
        gate.Open(0);
        await task;
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await task);
    }

    [Fact]
    public void ManySuspendedOnOneThread_BoxesReusedRoundAfterRound()
    {
        const int inFlight = 64; // more than the runtime's pooling builder keeps (one per thread and one per core)
        var gates = Enumerable.Range(0, inFlight).Select(_ => new Gate()).ToArray();
        var tasks = new ValueTask<int>[inFlight];

        int Round()
        {
            var before = PooledBox<int>.MadeOnThisThread;
#pragma warning disable CA2012 // each kept to be consumed once, below: the point is many suspended at once
            for (var i = 0; i < inFlight; i++) tasks[i] = AddAfterAsync(gates[i], i);
#pragma warning restore CA2012
            Assert.All(tasks, t => Assert.False(t.IsCompleted)); // each suspended: each has a box
            for (var i = 0; i < inFlight; i++) gates[i].Open(1);
            for (var i = 0; i < inFlight; i++) Assert.Equal(i + 1, tasks[i].Result);
            return PooledBox<int>.MadeOnThisThread - before;
        }

        Assert.InRange(Round(), 0, inFlight); // the first round makes the boxes the thread did not spare yet
        Assert.Equal([0, 0, 0, 0, 0], Enumerable.Range(0, 5).Select(_ => Round()));
    }
}
