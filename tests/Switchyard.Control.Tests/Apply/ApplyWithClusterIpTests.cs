using System.Net;
using System.Text.Json.Nodes;
using k8s.Models;
using Switchyard.Control.Admission;
using Switchyard.Control.Apply;
using Switchyard.Control.Tests.Api;
using Switchyard.Model.Resources;
using Switchyard.Store.Memory;

namespace Switchyard.Control.Tests.Apply;

/// <summary>Apply through the real ClusterIP admission plugin: re-applying keeps the address, deleting frees it.</summary>
public sealed class ApplyWithClusterIpTests
{
    private static V1Service Service(string name) =>
        (V1Service)ResourceDecoder.Decode(JsonNode.Parse(Manifests.Service(name))!).Object!;

    [Fact]
    public async Task ApplyAsync_ServiceTwice_KeepsClusterIpAndReportsUnchanged()
    {
        await using var store = new InMemoryResourceStore();
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions(), new Random(1));
        var apply = new ApplyService(store, [allocator]);

        var first = await apply.ApplyAsync([Service("web")], ApplyOptions.Default, CancellationToken.None);
        var second = await apply.ApplyAsync([Service("web")], ApplyOptions.Default, CancellationToken.None);

        var ip = ((V1Service)first.Items[0].Object).Spec.ClusterIP;
        Assert.False(string.IsNullOrEmpty(ip));
        Assert.Equal(ApplyAction.Unchanged, second.Items[0].Action);
        Assert.Equal(ip, ((V1Service)second.Items[0].Object).Spec.ClusterIP);
        Assert.True(allocator.IsAllocated(IPAddress.Parse(ip)));

        await apply.DeleteAsync([first.Items[0].Ref], ApplyOptions.Default, CancellationToken.None);

        Assert.False(allocator.IsAllocated(IPAddress.Parse(ip)));
    }

    [Fact]
    public async Task ApplyAsync_DryRun_ReleasesTheAddressItWouldAllocate()
    {
        await using var store = new InMemoryResourceStore();
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions(), new Random(1));
        var apply = new ApplyService(store, [allocator]);

        var result = await apply.ApplyAsync([Service("web")], new ApplyOptions { DryRun = true }, CancellationToken.None);

        var ip = ((V1Service)result.Items[0].Object).Spec.ClusterIP;
        Assert.False(string.IsNullOrEmpty(ip));
        Assert.False(allocator.IsAllocated(IPAddress.Parse(ip)));
    }
}
