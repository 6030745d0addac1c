using System.Net;
using System.Runtime.InteropServices;
using Switchyard.Model.Manifests;
using Switchyard.Proxy;
using Switchyard.Proxy.Forwarding;

// Usage: ProxyBenchHost native|yarp MANIFEST...  — serves the Gateways in the manifests until SIGTERM.
//        ProxyBenchHost floor HOST:PORT          — bare Kestrel answering a fixed 200 itself (the floor, see FloorServer).
//        ProxyBenchHost floor-forward HOST:PORT UPSTREAM — Kestrel and the forwarder alone, to UPSTREAM (see FloorServer).
//        ProxyBenchHost floor-loop|floor-loop-forward HOST:PORT UPSTREAM — the same two on the gateway's own event loop.
//        ProxyBenchHost floor-conn|floor-socket|floor-epoll HOST:PORT — the floors below it (TransportFloors, EpollFloor).
//        ProxyBenchHost floor-epoll-proxy HOST:PORT UPSTREAM — both legs on an epoll loop of its own (EpollFloor).
// The gateway modes run as the shipped `gateway serve` does by default, on the proxy's own event loops (ProxyIo.EventLoop).
// The Kestrel and .NET-socket floors run in the runtime's event-loop model: socket continuations inline on its epoll
// threads (read once, before the first socket) and Kestrel's inline scheduling (FloorServer, TransportFloors).
var mode = args.Length > 0 ? args[0] : "native";
if (mode.StartsWith("floor", StringComparison.Ordinal)) Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
IAsyncDisposable server;
if (mode is "floor" or "floor-forward" or "floor-loop" or "floor-loop-forward")
{
    var floor = new ProxyBenchHost.FloorServer(IPEndPoint.Parse(args[1]), mode.EndsWith("-forward", StringComparison.Ordinal) ? IPEndPoint.Parse(args[2]) : null, loop: mode.StartsWith("floor-loop", StringComparison.Ordinal));
    await floor.StartAsync();
    Console.WriteLine($"listening {args[1]} ({mode})");
    server = floor;
}
else if (mode == "floor-conn")
{
    server = await ProxyBenchHost.TransportFloors.StartConnectionFloorAsync(IPEndPoint.Parse(args[1]));
    Console.WriteLine($"listening {args[1]} (floor-conn)");
}
else if (mode is "floor-epoll" or "floor-epoll-proxy")
{
    server = ProxyBenchHost.EpollFloor.Start(IPEndPoint.Parse(args[1]), mode == "floor-epoll-proxy" ? IPEndPoint.Parse(args[2]) : null);
    Console.WriteLine($"listening {args[1]} ({mode})");
}
else if (mode == "floor-socket")
{
    server = ProxyBenchHost.TransportFloors.StartSocketFloor(IPEndPoint.Parse(args[1]));
    Console.WriteLine($"listening {args[1]} (floor-socket)");
}
else
{
    IUpstreamForwarder forwarder = mode switch
    {
        "yarp" => new ProxyBenchHost.YarpForwarder(),
        _ => new Http1Forwarder(),
    };
    var manifests = new ManifestReader().Read(args.Skip(1));
    if (!manifests.Ok)
    {
        foreach (var e in manifests.Errors) Console.Error.WriteLine(e);
        return 2;
    }
    var proxy = GatewayProxy.FromObjects(new ProxyOptions { TraceContext = true }, manifests.Resources, forwarder);
    await proxy.StartAsync(CancellationToken.None);
    foreach (var w in proxy.Warnings) Console.Error.WriteLine("warning: " + w);
    foreach (var (_, bound) in proxy.Listeners) Console.WriteLine($"listening {bound} ({mode})");
    server = proxy;
}
await using (server)
{
    var done = new TaskCompletionSource();
    using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; done.TrySetResult(); });
    using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; done.TrySetResult(); });
    // SIGUSR1 prints the process's own counters, so run.sh can report per-request figures that do not depend on the
    // machine's load: managed bytes allocated, collections, and methods JIT-compiled between two signals.
    using var sampler = Environment.GetEnvironmentVariable("BENCH_ALLOC_TYPES") == "1" ? new ProxyBenchHost.AllocationSampler() : null;
    using var stats = PosixSignalRegistration.Create((PosixSignal)10, c =>
    {
        c.Cancel = true;
        sampler?.Report(Console.Out);
        Console.WriteLine($"STATS alloc_bytes={GC.GetTotalAllocatedBytes(precise: true)} gc0={GC.CollectionCount(0)} gc1={GC.CollectionCount(1)} gc2={GC.CollectionCount(2)} "
            + $"jit_methods={System.Runtime.JitInfo.GetCompiledMethodCount()} jit_ms={System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:F0}");
    });
    await done.Task;
}
return 0;
