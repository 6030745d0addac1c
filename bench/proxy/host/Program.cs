using Switchyard.Model.Manifests;
using Switchyard.Proxy;
using Switchyard.Proxy.Forwarding;

// Usage: ProxyBenchHost native|yarp MANIFEST...  — serves the Gateways in the manifests until stdin closes or SIGTERM.
var forwarderName = args.Length > 0 ? args[0] : "native";
IUpstreamForwarder forwarder = forwarderName switch
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
await using var proxy = GatewayProxy.FromObjects(new ProxyOptions { TraceContext = true }, manifests.Resources, forwarder);
await proxy.StartAsync(CancellationToken.None);
foreach (var w in proxy.Warnings) Console.Error.WriteLine("warning: " + w);
foreach (var (configured, bound) in proxy.Listeners) Console.WriteLine($"listening {bound} ({forwarderName})");
var done = new TaskCompletionSource();
using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; done.TrySetResult(); });
using var intr = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; done.TrySetResult(); });
await done.Task;
return 0;
