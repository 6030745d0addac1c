using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Switchyard.Proxy.Transport;

/// <summary>What a descriptor registered on an <see cref="EventLoop"/> is told when epoll reports it.</summary>
internal interface ILoopHandler
{
    void OnEvents(uint events);

    /// <summary>The loop is stopping: close, failing whatever waits. On the loop's thread.</summary>
    void Abandon();
}

/// <summary>
/// One thread running epoll: every socket registered here is read, written and closed on this thread only, and the
/// continuations of its operations run here too, so a request moves from client to upstream and back without a hand-off
/// between threads. Work from other threads is posted (a queue and an eventfd wake-up). As a <see cref="PipeScheduler"/>
/// it runs work inline when already on the loop, and posts it otherwise.
/// </summary>
internal sealed unsafe class EventLoop : PipeScheduler, IDisposable
{
    private const int BatchSize = 256;
    private const ulong WakeToken = ulong.MaxValue;

    [ThreadStatic] private static EventLoop? t_current;

    private readonly int _epoll;
    private readonly int _wake;
    private readonly Thread _thread;
    private readonly ILogger _log;
    private readonly ConcurrentQueue<(Action<object?> Work, object? State)> _posted = new();
    private readonly List<(ILoopHandler? Handler, uint Generation)> _handlers = [];
    private readonly Stack<int> _freeSlots = new();
    private readonly Lock _afterStop = new();
    private int _wakePending;
    private volatile bool _stopping;
    private volatile bool _stopped;

    public EventLoop(int index, ILogger log)
    {
        Index = index;
        _log = log;
        _epoll = Native.epoll_create1(Native.SockCloexec);
        if (_epoll < 0) throw Native.Error(Native.LastError);
        _wake = Native.eventfd(0, Native.SockNonblock | Native.SockCloexec);
        if (_wake < 0)
        {
            Native.close(_epoll);
            throw Native.Error(Native.LastError);
        }
        var ev = stackalloc byte[16];
        Native.WriteEpollEvent(ev, Native.EpollIn, WakeToken);
        Native.epoll_ctl(_epoll, Native.EpollCtlAdd, _wake, ev);
        _thread = new Thread(Run) { IsBackground = true, Name = $"switchyard-loop-{index}" };
        _thread.UnsafeStart(); // without the creator's execution context (its async locals): the loop's own context is the default one
    }

    /// <summary>The loop whose thread is running the caller, or null off every loop.</summary>
    public static EventLoop? Current => t_current;

    public int Index { get; }

    public bool IsCurrent => t_current == this;

    /// <summary>True once the loop's thread has ended; work posted from then on runs on the poster's thread.</summary>
    public bool Stopped => _stopped;

    public override void Schedule(Action<object?> action, object? state)
    {
        if (IsCurrent) action(state);
        else Post(action, state);
    }

    /// <summary>Awaiting it moves the rest of an async method onto the loop's thread (at once when already there, or stopped).</summary>
    public LoopSwitch SwitchTo() => new(this);

    /// <summary>Runs <paramref name="work"/> on the loop's thread, after what it is doing now; callable from any thread.</summary>
    public void Post(Action<object?> work, object? state)
    {
        _posted.Enqueue((work, state));
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            ulong one = 1;
            Native.write(_wake, (byte*)&one, sizeof(ulong));
        }
        if (_stopped) RunLeftovers(); // the loop ended meanwhile: nobody else will run it
    }

    /// <summary>Adds a non-blocking descriptor, edge-triggered for both directions. Loop thread only.</summary>
    public int Register(int fd, ILoopHandler handler)
    {
        var slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : AddSlot();
        var generation = _handlers[slot].Generation + 1;
        _handlers[slot] = (handler, generation);
        var ev = stackalloc byte[16];
        Native.WriteEpollEvent(ev, Native.EpollIn | Native.EpollOut | Native.EpollRdHup | Native.EpollEt, ((ulong)generation << 32) | (uint)slot);
        if (Native.epoll_ctl(_epoll, Native.EpollCtlAdd, fd, ev) != 0)
        {
            var error = Native.LastError;
            Release(slot);
            throw Native.Error(error);
        }
        return slot;
    }

    /// <summary>
    /// Forgets a slot before its descriptor is closed (closing removes it from epoll). An event already fetched for it
    /// in the current batch finds the slot empty or reused under a new generation, and is dropped.
    /// </summary>
    public void Release(int slot)
    {
        _handlers[slot] = (null, _handlers[slot].Generation);
        _freeSlots.Push(slot);
    }

    private int AddSlot()
    {
        _handlers.Add((null, 0));
        return _handlers.Count - 1;
    }

    private void Run()
    {
        t_current = this;
        var events = (byte*)NativeMemory.Alloc((nuint)(BatchSize * Native.EpollEventSize));
        try
        {
            while (!_stopping)
            {
                var count = Native.epoll_wait(_epoll, events, BatchSize, -1);
                if (count < 0)
                {
                    if (Native.LastError == Native.EINTR) continue;
                    _log.LogCritical("event loop {Index}: epoll_wait failed: {Error}", Index, Marshal.GetPInvokeErrorMessage(Native.LastError));
                    return;
                }
                var woken = false;
                for (var i = 0; i < count; i++)
                {
                    var (mask, data) = Native.ReadEpollEvent(events, i);
                    if (data == WakeToken)
                    {
                        woken = true;
                        continue;
                    }
                    var slot = (int)(uint)data;
                    var (handler, generation) = _handlers[slot];
                    if (handler is null || generation != (uint)(data >> 32)) continue;
                    Dispatch(handler, mask);
                }
                if (woken) RunPosted();
            }
        }
        finally
        {
            NativeMemory.Free(events);
            Stop();
        }
    }

    /// <summary>
    /// Ends the loop on its thread: no poster writes the eventfd any more (the wake-up flag stays set), every socket
    /// still registered is closed (its pending operations fail), and what was posted runs.
    /// </summary>
    private void Stop()
    {
        Interlocked.Exchange(ref _wakePending, 1);
        foreach (var (handler, _) in _handlers.ToArray())
        {
            try
            {
                handler?.Abandon();
            }
            catch (Exception e)
            {
                _log.LogError(e, "event loop {Index}: closing a socket at stop failed", Index);
            }
        }
        _stopped = true;
        RunLeftovers();
    }

    private void RunOne((Action<object?> Work, object? State) item)
    {
        try
        {
            item.Work(item.State);
        }
        catch (Exception e)
        {
            _log.LogError(e, "event loop {Index}: posted work failed", Index);
        }
    }

    private void RunLeftovers()
    {
        lock (_afterStop)
        {
            while (_posted.TryDequeue(out var item)) RunOne(item);
        }
    }

    private void Dispatch(ILoopHandler handler, uint events)
    {
        try
        {
            handler.OnEvents(events);
        }
        catch (Exception e)
        {
            _log.LogError(e, "event loop {Index}: a socket's event handler failed", Index);
        }
    }

    private void RunPosted()
    {
        ulong drained;
        Native.read(_wake, (byte*)&drained, sizeof(ulong));
        Interlocked.Exchange(ref _wakePending, 0); // a full fence: the queue is read below only after the flag is clear
        // Only what is queued now: work posted while these run waits for the next turn, after the sockets' events.
        for (var n = _posted.Count; n > 0 && _posted.TryDequeue(out var item); n--) RunOne(item);
        if (!_posted.IsEmpty && Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            ulong one = 1;
            Native.write(_wake, (byte*)&one, sizeof(ulong));
        }
    }

    /// <summary>Stops the thread (closing the sockets still registered) and then closes epoll and the eventfd.</summary>
    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        Post(static _ => { }, null);
        if (IsCurrent) return; // the thread ends after this turn; its descriptors stay open (a process ending anyway)
        if (!_thread.Join(TimeSpan.FromSeconds(10)))
        {
            _log.LogError("event loop {Index} did not stop within 10 s; its epoll and eventfd descriptors are left open", Index);
            return;
        }
        Native.close(_wake);
        Native.close(_epoll);
    }
}

/// <summary>The awaitable of <see cref="EventLoop.SwitchTo"/>.</summary>
internal readonly struct LoopSwitch(EventLoop loop) : ICriticalNotifyCompletion
{
    public LoopSwitch GetAwaiter() => this;

    public bool IsCompleted => loop.IsCurrent || loop.Stopped;

    public void GetResult()
    {
    }

    public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

    public void UnsafeOnCompleted(Action continuation) => loop.Post(static c => ((Action)c!)(), continuation);
}

/// <summary>The proxy's event loops, one per core; new connections are spread over them in turn.</summary>
internal sealed class EventLoopGroup : IDisposable
{
    private readonly EventLoop[] _loops;
    private int _next = -1;

    public EventLoopGroup(int count, ILogger log)
    {
        _loops = new EventLoop[Math.Max(1, count)];
        for (var i = 0; i < _loops.Length; i++) _loops[i] = new EventLoop(i, log);
    }

    public int Count => _loops.Length;

    public EventLoop this[int index] => _loops[index];

    /// <summary>The loop for the next new connection.</summary>
    public EventLoop Next() => _loops[(int)((uint)Interlocked.Increment(ref _next) % (uint)_loops.Length)];

    /// <summary>The caller's loop when it runs on one of this group's, else the next in turn.</summary>
    public EventLoop CurrentOrNext() => Owns(EventLoop.Current) ? EventLoop.Current! : Next();

    /// <summary>True when <paramref name="loop"/> is one of this group's.</summary>
    public bool Owns(EventLoop? loop) => loop is not null && loop.Index < _loops.Length && _loops[loop.Index] == loop;

    public void Dispose()
    {
        foreach (var loop in _loops) loop.Dispose();
    }
}
