using System.Net;
using k8s.Models;
using Switchyard.Control.Admission;
using Switchyard.Control.Controllers;
using Switchyard.Model.Resources;
using Switchyard.Store.Memory;

namespace Switchyard.Control.Tests.Controllers;

public sealed class ClusterIpRepairControllerTests
{
    [Fact]
    public async Task Run_ServiceDeletedBehindAdmission_ReleasesItsAddressOnly()
    {
        await using var store = new InMemoryResourceStore();
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions());
        var web = await AdmitAndStoreAsync(allocator, store, "web", "127.96.0.10");
        await AdmitAndStoreAsync(allocator, store, "api", "127.96.0.11");
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => new ClusterIpRepairController(allocator).RunAsync(store, stop.Token));

        Assert.True((await store.DeleteAsync(ObjectRef.Of(web))).Ok);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (allocator.IsAllocated(IPAddress.Parse("127.96.0.10")))
        {
            Assert.True(DateTime.UtcNow < deadline, "address of the deleted service was not released");
            await Task.Delay(10);
        }
        Assert.True(allocator.IsAllocated(IPAddress.Parse("127.96.0.11")));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact]
    public async Task RepairAsync_ServiceGoneFromStore_ReleasesOnlyItsAddresses()
    {
        await using var store = new InMemoryResourceStore();
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions());
        var web = await AdmitAndStoreAsync(allocator, store, "web", "127.96.0.10");
        await AdmitAndStoreAsync(allocator, store, "api", "127.96.0.11");
        var pending = new AdmissionRequest(AdmissionOperation.Create, Fresh("new", "127.96.0.12"), null);
        Assert.Empty(await allocator.AdmitAsync(pending, default));
        Assert.True((await store.DeleteAsync(ObjectRef.Of(web))).Ok);

        await allocator.RepairAsync(store, default);

        Assert.False(allocator.IsAllocated(IPAddress.Parse("127.96.0.10")));
        Assert.True(allocator.IsAllocated(IPAddress.Parse("127.96.0.11")));
        Assert.True(allocator.IsAllocated(IPAddress.Parse("127.96.0.12"))); // pending, not yet in the store
    }

    [Fact]
    public async Task ReleaseDeletedAsync_RecreatedWithSameAddress_KeepsIt()
    {
        await using var store = new InMemoryResourceStore();
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions());
        var old = await AdmitAndStoreAsync(allocator, store, "api", "127.96.0.11");

        await allocator.ReleaseDeletedAsync(old, _ => ValueTask.FromResult<V1Service?>(Fresh("api", "127.96.0.11")), default);
        Assert.True(allocator.IsAllocated(IPAddress.Parse("127.96.0.11")));

        await allocator.ReleaseDeletedAsync(old, _ => ValueTask.FromResult<V1Service?>(null), default);
        Assert.False(allocator.IsAllocated(IPAddress.Parse("127.96.0.11")));
    }

    private static async Task<V1Service> AdmitAndStoreAsync(ClusterIpAllocator allocator, InMemoryResourceStore store, string name, string ip)
    {
        var svc = Fresh(name, ip);
        var request = new AdmissionRequest(AdmissionOperation.Create, svc, null);
        Assert.Empty(await allocator.AdmitAsync(request, default));
        var result = await store.CreateAsync(svc);
        allocator.Completed(request, result.Ok);
        return (V1Service)result.Object!;
    }

    private static V1Service Fresh(string name, string ip) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1ServiceSpec { ClusterIP = ip, ClusterIPs = [ip], Ports = [new V1ServicePort { Port = 80 }] },
    };
}
