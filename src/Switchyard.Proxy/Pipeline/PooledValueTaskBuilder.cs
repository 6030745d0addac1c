using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace Switchyard.Proxy.Pipeline;

/// <summary>
/// The async method builder of the methods that suspend on every proxied request (the handler, its attempts, the
/// HTTP/1.1 forwarder). Like the runtime's <see cref="PoolingAsyncValueTaskMethodBuilder{TResult}"/>, a method that
/// suspends moves its state into a box that is reused once its ValueTask has been awaited; unlike it, each thread keeps
/// up to <see cref="PooledBox{TResult}.PerThread"/> spare boxes of each method instead of one per thread and one per core.
/// </summary>
/// <remarks>
/// An event loop has one request in flight per connection, all on its one thread: with 32 connections the runtime's
/// pool missed 46% of the time, and each miss allocated a box of about a kilobyte, three per request, the most of the
/// gateway's garbage (bench/proxy/instructions.sh; docs/decisions/0008-event-loop-transport.md). A box becomes a spare of
/// the thread that takes its result (the loop, on the request path), and a thread only ever holds as many as were in
/// flight there at once, at most <see cref="PooledBox{TResult}.PerThread"/> per method. The execution context flows as
/// the runtime's builders flow it: captured at each suspension, restored to run the continuation.
/// </remarks>
internal struct PooledValueTaskBuilder<TResult>
{
    private PooledBox<TResult>? _box;
    private Exception? _exception;
    private TResult? _result;

    public static PooledValueTaskBuilder<TResult> Create() => default;

    /// <summary>Runs the method up to its first suspension, as every builder does (the caller's context restored after).</summary>
    public readonly void Start<TStateMachine>(ref TStateMachine stateMachine) where TStateMachine : IAsyncStateMachine =>
        AsyncValueTaskMethodBuilder<TResult>.Create().Start(ref stateMachine);

    /// <summary>Not used: the builder boxes the state machine itself.</summary>
    public readonly void SetStateMachine(IAsyncStateMachine stateMachine)
    {
    }

    public void SetResult(TResult result)
    {
        if (_box is null) _result = result;
        else _box.SetResult(result);
    }

    public void SetException(Exception exception)
    {
        if (_box is null) _exception = exception;
        else _box.SetException(exception);
    }

    /// <remarks>A cancellation before the first suspension reads as canceled, as it does after one (and as Task builders give it).</remarks>
    public readonly ValueTask<TResult> Task =>
        _box is { } box ? new ValueTask<TResult>(box, box.Version)
        : _exception is OperationCanceledException { CancellationToken.IsCancellationRequested: true } canceled ? ValueTask.FromCanceled<TResult>(canceled.CancellationToken)
        : _exception is not null ? ValueTask.FromException<TResult>(_exception)
        : new ValueTask<TResult>(_result!);

    /// <summary>The method's completion without its result, for <see cref="PooledValueTaskBuilder"/>.</summary>
    internal readonly ValueTask AsValueTask() =>
        _box is { } box ? new ValueTask(box, box.Version)
        : _exception is OperationCanceledException { CancellationToken.IsCancellationRequested: true } canceled ? ValueTask.FromCanceled(canceled.CancellationToken)
        : _exception is not null ? ValueTask.FromException(_exception)
        : default;

    public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion
        where TStateMachine : IAsyncStateMachine =>
        awaiter.OnCompleted(BoxOf(ref stateMachine, context: null).MoveNextAction); // such an awaiter flows the context itself

    public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : ICriticalNotifyCompletion
        where TStateMachine : IAsyncStateMachine =>
        awaiter.UnsafeOnCompleted(BoxOf(ref stateMachine, ExecutionContext.Capture()).MoveNextAction);

    private PooledBox<TResult> BoxOf<TStateMachine>(ref TStateMachine stateMachine, ExecutionContext? context)
        where TStateMachine : IAsyncStateMachine
    {
        if (_box is StateMachineBox<TResult, TStateMachine> boxed)
        {
            boxed.Context = context; // a later suspension: the state machine runs in its box already
            return boxed;
        }
        var box = StateMachineBox<TResult, TStateMachine>.Rent();
        _box = box; // first: the copy in the box must name its box too
        box.StateMachine = stateMachine;
        box.Context = context;
        return box;
    }
}

/// <summary><see cref="PooledValueTaskBuilder{TResult}"/> for a method that returns <see cref="ValueTask"/>.</summary>
internal struct PooledValueTaskBuilder
{
    private PooledValueTaskBuilder<bool> _builder;

    public static PooledValueTaskBuilder Create() => default;

    public readonly void Start<TStateMachine>(ref TStateMachine stateMachine) where TStateMachine : IAsyncStateMachine =>
        _builder.Start(ref stateMachine);

    public readonly void SetStateMachine(IAsyncStateMachine stateMachine)
    {
    }

    public void SetResult() => _builder.SetResult(true);

    public void SetException(Exception exception) => _builder.SetException(exception);

    public readonly ValueTask Task => _builder.AsValueTask();

    public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion
        where TStateMachine : IAsyncStateMachine =>
        _builder.AwaitOnCompleted(ref awaiter, ref stateMachine);

    public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : ICriticalNotifyCompletion
        where TStateMachine : IAsyncStateMachine =>
        _builder.AwaitUnsafeOnCompleted(ref awaiter, ref stateMachine);
}

/// <summary>
/// A suspended method's box: the source of its ValueTask, completed once, then reset and given back to its thread's
/// spares when the result has been taken.
/// </summary>
internal abstract class PooledBox<TResult> : IValueTaskSource<TResult>, IValueTaskSource
{
    /// <summary>Spare boxes a thread keeps of each method: more than the requests one event loop usually has in flight.</summary>
    public const int PerThread = 256;

    [ThreadStatic] private static int t_made;

    private ManualResetValueTaskSourceCore<TResult> _core; // continuations run inline, as the runtime's pooled boxes run them

    /// <summary>Boxes of this result type made on the current thread, for any method: what the spares did not spare (for tests).</summary>
    internal static int MadeOnThisThread => t_made;

    protected PooledBox() => t_made++;
    private Action? _moveNext;

    /// <summary>The execution context to run the next continuation in; null: the awaiter flows it.</summary>
    public ExecutionContext? Context { get; set; }

    public short Version => _core.Version;

    public Action MoveNextAction => _moveNext ??= MoveNext;

    protected abstract void MoveNext();

    /// <summary>Forgets the state machine and keeps the box as a spare of the current thread.</summary>
    protected abstract void Return();

    public void SetResult(TResult result) => _core.SetResult(result);

    public void SetException(Exception exception) => _core.SetException(exception);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    public TResult GetResult(short token)
    {
        if (token != _core.Version) throw new InvalidOperationException("a pooled ValueTask was awaited twice, or after its box was reused");
        // Its method still runs in the box: the box must not become a spare (a blocking read of a pending ValueTask).
        if (_core.GetStatus(token) == ValueTaskSourceStatus.Pending) throw new InvalidOperationException("a pooled ValueTask's result was read before it completed");
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            Return();
        }
    }

    void IValueTaskSource.GetResult(short token) => GetResult(token);
}

internal sealed class StateMachineBox<TResult, TStateMachine> : PooledBox<TResult>
    where TStateMachine : IAsyncStateMachine
{
    [ThreadStatic] private static StateMachineBox<TResult, TStateMachine>[]? t_spares;
    [ThreadStatic] private static int t_spareCount;

    private static readonly ContextCallback RunInContext = static box => ((StateMachineBox<TResult, TStateMachine>)box!).StateMachine!.MoveNext();

    public TStateMachine? StateMachine;

    public static StateMachineBox<TResult, TStateMachine> Rent()
    {
        if (t_spareCount == 0) return new StateMachineBox<TResult, TStateMachine>();
        var spares = t_spares!;
        var box = spares[--t_spareCount];
        spares[t_spareCount] = null!;
        return box;
    }

    protected override void MoveNext()
    {
        if (Context is { } context) ExecutionContext.Run(context, RunInContext, this);
        else StateMachine!.MoveNext();
    }

    protected override void Return()
    {
        StateMachine = default;
        Context = null;
        var spares = t_spares ??= new StateMachineBox<TResult, TStateMachine>[PerThread];
        if (t_spareCount < spares.Length) spares[t_spareCount++] = this;
    }
}
