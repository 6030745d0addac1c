using System.Net;
using k8s.Models;
using Switchyard.Control.Admission;
using Switchyard.Control.Controllers;
using Switchyard.Model.Resources;
using Switchyard.Store.Memory;
using static Switchyard.Control.Tests.Controllers.EndpointSliceTestKit;

namespace Switchyard.Control.Tests.Controllers;

public sealed class ClusterControllersTests
{
    [Fact]
    public async Task CreateAsync_ExistingServices_AreReservedAndLoopsRun()
    {
        await using var store = new InMemoryResourceStore();
        Assert.True((await store.CreateAsync(Service("web"))).Ok); // holds 127.96.0.10
        Assert.True((await store.CreateAsync(Pod("web-a", "web", "127.64.0.1"))).Ok);

        var cluster = await ClusterControllers.CreateAsync(store);
        Assert.True(cluster.Allocator.IsAllocated(IPAddress.Parse("127.96.0.10")));
        Assert.Equal(["endpointslice", "deployment", "clusterip-repair"], cluster.Host.Controllers.Select(c => c.Name));

        using var stop = new CancellationTokenSource();
        var run = cluster.Host.AsBackgroundLoop()(store, stop.Token);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await store.GetAsync(new ObjectRef(ResourceKinds.EndpointSlice, "default", "web-ipv4-0"))) is not V1EndpointSlice { Endpoints.Count: 1 })
        {
            Assert.True(DateTime.UtcNow < deadline, "no slice for web");
            await Task.Delay(20);
        }
        await stop.CancelAsync();
        await run;
    }
}
