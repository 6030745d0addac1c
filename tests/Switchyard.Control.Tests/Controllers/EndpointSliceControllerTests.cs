using k8s.Models;
using Switchyard.Control.Controllers.EndpointSlices;
using Switchyard.Model.Resources;
using static Switchyard.Control.Tests.Controllers.EndpointSliceTestKit;

namespace Switchyard.Control.Tests.Controllers;

public sealed class EndpointSliceControllerTests
{
    [Fact]
    public async Task Run_SelectingServiceAndPods_MakesSliceWithPortsConditionsAndMetadata()
    {
        await using var kit = new EndpointSliceTestKit();
        await kit.CreateAsync(Pod("web-a", "web", "127.64.0.1"));
        await kit.CreateAsync(Pod("web-b", "web", "127.64.0.2", ready: false));
        await kit.CreateAsync(Pod("other", "db", "127.64.0.3"));
        await kit.CreateAsync(Service("web"));

        var slices = await kit.WaitForSlicesAsync("web", s => Endpoints(s).Count() == 2, "two endpoints");

        var slice = Assert.Single(slices);
        var svc = (V1Service)(await kit.Store.GetAsync(new ObjectRef(ResourceKinds.Service, "default", "web")))!;
        Assert.Equal("web-ipv4-0", slice.Metadata.Name);
        Assert.Equal("IPv4", slice.AddressType);
        Assert.Equal("web", slice.Metadata.Labels[EndpointSliceLabels.ServiceName]);
        Assert.Equal("endpointslice-controller.switchyard.dev", slice.Metadata.Labels[EndpointSliceLabels.ManagedBy]);
        Assert.Equal("web", slice.Metadata.Labels["tier"]);
        var owner = Assert.Single(slice.Metadata.OwnerReferences);
        Assert.Equal(("Service", "web", svc.Metadata.Uid, true), (owner.Kind, owner.Name, owner.Uid, owner.Controller));
        var port = Assert.Single(slice.Ports);
        Assert.Equal(("http", "TCP", (int?)8080), (port.Name, port.Protocol, port.Port));

        var a = slice.Endpoints.Single(e => e.TargetRef.Name == "web-a");
        Assert.Equal(["127.64.0.1"], a.Addresses);
        Assert.Equal((true, true, false), (a.Conditions.Ready, a.Conditions.Serving, a.Conditions.Terminating));
        Assert.Equal("local", a.NodeName);
        Assert.Null(a.Hostname);
        Assert.Equal(("Pod", "default"), (a.TargetRef.Kind, a.TargetRef.NamespaceProperty));
        Assert.False(string.IsNullOrEmpty(a.TargetRef.Uid));
        var b = slice.Endpoints.Single(e => e.TargetRef.Name == "web-b");
        Assert.Equal((false, false, false), (b.Conditions.Ready, b.Conditions.Serving, b.Conditions.Terminating));
    }

    [Fact]
    public async Task Run_ReadinessFlips_SliceFollows()
    {
        await using var kit = new EndpointSliceTestKit();
        await kit.CreateAsync(Service("web"));
        await kit.CreateAsync(Pod("web-a", "web", "127.64.0.1", ready: false));
        await kit.WaitForSlicesAsync("web", s => Endpoints(s).Any(e => e.Conditions.Ready == false), "a not-ready endpoint");

        await kit.UpdateAsync<V1Pod>("web-a", p => SetReady(p, true));
        await kit.WaitForSlicesAsync("web", s => Endpoints(s).Any(e => e.Conditions.Ready == true && e.Conditions.Serving == true), "the endpoint to become ready");

        await kit.UpdateAsync<V1Pod>("web-a", p => SetReady(p, false));
        await kit.WaitForSlicesAsync("web", s => Endpoints(s).Any(e => e.Conditions.Ready == false && e.Conditions.Serving == false), "the endpoint to become not ready");
    }

    [Fact]
    public async Task Run_NamedTargetPortWithTwoNumbers_MakesTwoSlices()
    {
        await using var kit = new EndpointSliceTestKit();
        var port = new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP", TargetPort = "web" };
        await kit.CreateAsync(Service("web", null, port));
        await kit.CreateAsync(Pod("web-old", "web", "127.64.0.1", true, new V1ContainerPort { Name = "web", ContainerPort = 8080, Protocol = "TCP" }));
        await kit.CreateAsync(Pod("web-new", "web", "127.64.0.2", true, new V1ContainerPort { Name = "web", ContainerPort = 9090 }));
        await kit.CreateAsync(Pod("web-udp", "web", "127.64.0.3", true, new V1ContainerPort { Name = "web", ContainerPort = 7070, Protocol = "UDP" }));

        var slices = await kit.WaitForSlicesAsync("web", s => Endpoints(s).Count() == 3, "three endpoints");

        Assert.Equal(3, slices.Count);
        string Ports(string pod) => string.Join(",", slices.Single(s => s.Endpoints.Any(e => e.TargetRef.Name == pod)).Ports.Select(p => p.Port));
        Assert.Equal("8080", Ports("web-old"));
        Assert.Equal("9090", Ports("web-new"));
        Assert.Equal("", Ports("web-udp")); // a TCP service port does not resolve to a UDP container port
        Assert.All(slices, s => Assert.Single(s.Endpoints));
    }

    [Fact]
    public async Task Run_MoreThan100Pods_SplitsIntoSlicesOfAtMost100()
    {
        await using var kit = new EndpointSliceTestKit();
        await kit.CreateAsync(Service("big"));
        for (var i = 0; i < 230; i++)
        {
            await kit.CreateAsync(Pod($"big-{i:D3}", "big", $"127.64.{i / 200}.{(i % 200) + 1}"));
        }

        var slices = await kit.WaitForSlicesAsync("big", s => Endpoints(s).Count() == 230, "230 endpoints");

        Assert.Equal(3, slices.Count);
        Assert.All(slices, s => Assert.InRange(s.Endpoints.Count, 1, 100));
        Assert.Equal(230, Endpoints(slices).Select(e => e.TargetRef.Name).Distinct().Count());
        Assert.Equal(["big-ipv4-0", "big-ipv4-1", "big-ipv4-2"], slices.Select(s => s.Metadata.Name));
    }

    [Fact]
    public async Task Run_SmallerMaxPerSlice_IsHonoredAsPodsComeAndGo()
    {
        await using var kit = new EndpointSliceTestKit(new EndpointSliceOptions { MaxEndpointsPerSlice = 2 });
        await kit.CreateAsync(Service("web"));
        for (var i = 1; i <= 5; i++) await kit.CreateAsync(Pod($"web-{i}", "web", $"127.64.0.{i}"));
        var slices = await kit.WaitForSlicesAsync("web", s => Endpoints(s).Count() == 5, "five endpoints");
        Assert.Equal(3, slices.Count);

        foreach (var name in new[] { "web-1", "web-2" }) await kit.Store.DeleteAsync(new ObjectRef(ResourceKinds.Pod, "default", name));

        slices = await kit.WaitForSlicesAsync("web", s => Endpoints(s).Count() == 3, "three endpoints");
        Assert.All(slices, s => Assert.InRange(s.Endpoints.Count, 1, 2));
    }

    [Fact]
    public async Task Run_PodDeletedOrTerminating_UpdatesEndpoints()
    {
        await using var kit = new EndpointSliceTestKit();
        await kit.CreateAsync(Service("web"));
        await kit.CreateAsync(Pod("web-a", "web", "127.64.0.1"));
        await kit.CreateAsync(Pod("web-b", "web", "127.64.0.2"));
        await kit.WaitForSlicesAsync("web", s => Endpoints(s).Count() == 2, "two endpoints");

        await kit.UpdateAsync<V1Pod>("web-a", p => p.Metadata.DeletionTimestamp = new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var slices = await kit.WaitForSlicesAsync("web", s => Endpoints(s).Any(e => e.Conditions.Terminating == true), "a terminating endpoint");
        var a = Endpoints(slices).Single(e => e.TargetRef.Name == "web-a");
        Assert.Equal((false, true, true), (a.Conditions.Ready, a.Conditions.Serving, a.Conditions.Terminating));

        await kit.Store.DeleteAsync(new ObjectRef(ResourceKinds.Pod, "default", "web-b"));
        slices = await kit.WaitForSlicesAsync("web", s => Endpoints(s).Count() == 1, "one endpoint");
        Assert.Equal("web-a", Endpoints(slices).Single().TargetRef.Name);
    }

    [Fact]
    public async Task Run_FinishedPodsAndPodsWithoutIp_AreLeftOut()
    {
        await using var kit = new EndpointSliceTestKit();
        await kit.CreateAsync(Service("web"));
        var done = Pod("web-done", "web", "127.64.0.9");
        done.Status.Phase = "Succeeded";
        await kit.CreateAsync(done);
        var failed = Pod("web-failed", "web", "127.64.0.8");
        failed.Status.Phase = "Failed";
        await kit.CreateAsync(failed);
        await kit.CreateAsync(Pod("web-pending", "web", null));
        await kit.CreateAsync(Pod("web-ok", "web", "127.64.0.1"));

        var slices = await kit.WaitForSlicesAsync("web", s => Endpoints(s).Any(), "an endpoint");

        Assert.Equal(["web-ok"], Endpoints(slices).Select(e => e.TargetRef.Name));
    }

    [Fact]
    public async Task Run_PublishNotReadyAndHostname_AreApplied()
    {
        await using var kit = new EndpointSliceTestKit();
        var svc = Service("db");
        svc.Spec.ClusterIP = "None";
        svc.Spec.ClusterIPs = ["None"];
        svc.Spec.PublishNotReadyAddresses = true;
        await kit.CreateAsync(svc);
        var named = Pod("db-0", "db", "127.64.0.1", ready: false);
        named.Spec.Hostname = "db-0";
        named.Spec.Subdomain = "db";
        await kit.CreateAsync(named);
        var otherSubdomain = Pod("db-1", "db", "127.64.0.2", ready: false);
        otherSubdomain.Spec.Hostname = "db-1";
        otherSubdomain.Spec.Subdomain = "elsewhere";
        await kit.CreateAsync(otherSubdomain);

        var slices = await kit.WaitForSlicesAsync("db", s => Endpoints(s).Count() == 2, "two endpoints");

        var slice = Assert.Single(slices);
        Assert.Equal("", slice.Metadata.Labels[EndpointSliceLabels.Headless]);
        var e0 = slice.Endpoints.Single(e => e.TargetRef.Name == "db-0");
        Assert.Equal(("db-0", true, false), (e0.Hostname, e0.Conditions.Ready, e0.Conditions.Serving));
        Assert.Null(slice.Endpoints.Single(e => e.TargetRef.Name == "db-1").Hostname);
    }

    [Fact]
    public async Task Run_SelectorChanges_EndpointsFollowAndRemovalDeletesSlices()
    {
        await using var kit = new EndpointSliceTestKit();
        await kit.CreateAsync(Pod("blue-1", "blue", "127.64.0.1"));
        await kit.CreateAsync(Pod("green-1", "green", "127.64.0.2"));
        await kit.CreateAsync(Service("web", new Dictionary<string, string> { ["app"] = "blue" }));
        await kit.WaitForSlicesAsync("web", s => Endpoints(s).Any(e => e.TargetRef.Name == "blue-1"), "blue endpoint");

        await kit.UpdateAsync<V1Service>("web", s => s.Spec.Selector = new Dictionary<string, string> { ["app"] = "green" });
        await kit.WaitForSlicesAsync("web", s => Endpoints(s).Select(e => e.TargetRef.Name).SequenceEqual(["green-1"]), "only the green endpoint");

        await kit.UpdateAsync<V1Service>("web", s => s.Spec.Selector = null);
        await kit.WaitForSlicesAsync("web", s => s.Count == 0, "no managed slices");
    }

    [Fact]
    public async Task Run_PodLabelChange_MovesPodBetweenServices()
    {
        await using var kit = new EndpointSliceTestKit();
        await kit.CreateAsync(Service("blue"));
        await kit.CreateAsync(Service("green"));
        await kit.CreateAsync(Pod("p", "blue", "127.64.0.1"));
        await kit.WaitForSlicesAsync("blue", s => Endpoints(s).Count() == 1, "blue endpoint");

        await kit.UpdateAsync<V1Pod>("p", p => p.Metadata.Labels["app"] = "green");

        await kit.WaitForSlicesAsync("green", s => Endpoints(s).Count() == 1, "green endpoint");
        await kit.WaitForSlicesAsync("blue", s => !Endpoints(s).Any(), "blue empty");
    }

    [Fact]
    public async Task Run_NoPods_KeepsOneEmptyPlaceholderSlice()
    {
        await using var kit = new EndpointSliceTestKit();
        await kit.CreateAsync(Service("web"));

        var slices = await kit.WaitForSlicesAsync("web", s => s.Count == 1, "a placeholder slice");

        Assert.Empty(slices[0].Endpoints ?? []);
        Assert.Empty(slices[0].Ports ?? []);
        Assert.Equal("IPv4", slices[0].AddressType);
    }

    [Fact]
    public async Task Run_ServiceDeleted_DeletesManagedSlicesOnly()
    {
        await using var kit = new EndpointSliceTestKit();
        await kit.CreateAsync(UserSlice("web-manual"));
        await kit.CreateAsync(Service("web"));
        await kit.CreateAsync(Pod("web-a", "web", "127.64.0.1"));
        await kit.WaitForSlicesAsync("web", s => Endpoints(s).Count() == 1, "one endpoint");

        await kit.Store.DeleteAsync(new ObjectRef(ResourceKinds.Service, "default", "web"));

        await kit.WaitForSlicesAsync("web", s => s.Count == 0, "managed slices gone");
        var all = await kit.SlicesAsync("web", managedOnly: false);
        Assert.Equal(["web-manual"], all.Select(s => s.Metadata.Name));
    }

    [Fact]
    public async Task Run_UserSlices_AreLeftAlone()
    {
        await using var kit = new EndpointSliceTestKit();
        var user = UserSlice("web-manual");
        await kit.CreateAsync(user);
        var before = (await kit.SlicesAsync("web", managedOnly: false)).Single().Metadata.ResourceVersion;
        await kit.CreateAsync(Service("web"));
        await kit.CreateAsync(Pod("web-a", "web", "127.64.0.1"));

        await kit.WaitForSlicesAsync("web", s => Endpoints(s).Count() == 1, "one endpoint");

        var manual = (await kit.SlicesAsync("web", managedOnly: false)).Single(s => s.Metadata.Name == "web-manual");
        Assert.Equal(before, manual.Metadata.ResourceVersion);
        Assert.Equal(["10.0.0.1"], manual.Endpoints.Single().Addresses);
    }

    [Fact]
    public async Task Run_ManagedSliceDeletedByUser_IsRecreated()
    {
        await using var kit = new EndpointSliceTestKit();
        await kit.CreateAsync(Service("web"));
        await kit.CreateAsync(Pod("web-a", "web", "127.64.0.1"));
        var slices = await kit.WaitForSlicesAsync("web", s => Endpoints(s).Count() == 1, "one endpoint");
        var uid = slices[0].Metadata.Uid;

        await kit.Store.DeleteAsync(ObjectRef.Of(slices[0]));

        await kit.WaitForSlicesAsync("web", s => s.Count == 1 && s[0].Metadata.Uid != uid && Endpoints(s).Count() == 1, "a recreated slice");
    }

    [Fact]
    public async Task Run_IPv6Pods_MakeIPv6SliceAndDualStackMakesBoth()
    {
        await using var kit = new EndpointSliceTestKit();
        var v6 = Service("v6");
        v6.Spec.ClusterIP = "fd00:10:96::10";
        v6.Spec.ClusterIPs = ["fd00:10:96::10"];
        v6.Spec.IpFamilies = ["IPv6"];
        await kit.CreateAsync(v6);
        var dual = Service("dual");
        dual.Spec.ClusterIPs = ["127.96.0.11", "fd00:10:96::11"];
        dual.Spec.IpFamilies = ["IPv4", "IPv6"];
        dual.Spec.IpFamilyPolicy = "RequireDualStack";
        await kit.CreateAsync(dual);
        var p6 = Pod("v6-a", "v6", "fd00:10:64::1");
        await kit.CreateAsync(p6);
        var pd = Pod("dual-a", "dual", "127.64.0.5");
        pd.Status.PodIPs = [new V1PodIP { Ip = "127.64.0.5" }, new V1PodIP { Ip = "fd00:10:64::5" }];
        await kit.CreateAsync(pd);

        var v6Slices = await kit.WaitForSlicesAsync("v6", s => Endpoints(s).Any(), "an IPv6 endpoint");
        var slice = Assert.Single(v6Slices);
        Assert.Equal("IPv6", slice.AddressType);
        Assert.Equal("v6-ipv6-0", slice.Metadata.Name);
        Assert.Equal(["fd00:10:64::1"], slice.Endpoints.Single().Addresses);

        var dualSlices = await kit.WaitForSlicesAsync("dual", s => s.Count == 2 && s.All(x => x.Endpoints?.Count == 1), "one slice per family");
        Assert.Equal(["IPv4", "IPv6"], dualSlices.Select(s => s.AddressType));
        Assert.Equal(["127.64.0.5", "fd00:10:64::5"], dualSlices.Select(s => s.Endpoints.Single().Addresses.Single()));
    }

    [Fact]
    public async Task Run_ExternalNameService_GetsNoSlices()
    {
        await using var kit = new EndpointSliceTestKit();
        await kit.CreateAsync(Service("web"));
        await kit.CreateAsync(Pod("web-a", "web", "127.64.0.1"));
        await kit.WaitForSlicesAsync("web", s => Endpoints(s).Count() == 1, "one endpoint");

        await kit.UpdateAsync<V1Service>("web", s =>
        {
            s.Spec.Type = "ExternalName";
            s.Spec.ExternalName = "example.com";
            s.Spec.ClusterIP = null;
            s.Spec.ClusterIPs = null;
        });

        await kit.WaitForSlicesAsync("web", s => s.Count == 0, "no slices");
    }

    [Fact]
    public async Task Run_IrrelevantPodChange_DoesNotRewriteSlice()
    {
        // One worker handles keys in order: once "second" reflects the later change, "first" was synced already.
        await using var kit = new EndpointSliceTestKit(new EndpointSliceOptions { Workers = 1 });
        await kit.CreateAsync(Service("first"));
        await kit.CreateAsync(Service("second"));
        await kit.CreateAsync(Pod("first-a", "first", "127.64.0.1"));
        await kit.CreateAsync(Pod("second-a", "second", "127.64.0.2", ready: false));
        var before = (await kit.WaitForSlicesAsync("first", s => Endpoints(s).Count() == 1, "first endpoint")).Single().Metadata.ResourceVersion;
        await kit.WaitForSlicesAsync("second", s => Endpoints(s).Count() == 1, "second endpoint");

        await kit.UpdateAsync<V1Pod>("first-a", p => p.Metadata.Annotations = new Dictionary<string, string> { ["note"] = "irrelevant" });
        await kit.UpdateAsync<V1Pod>("second-a", p => SetReady(p, true));
        await kit.WaitForSlicesAsync("second", s => Endpoints(s).Single().Conditions.Ready == true, "second ready");

        var after = (await kit.SlicesAsync("first")).Single().Metadata.ResourceVersion;
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Run_StartsWithExistingState_ConvergesAndRemovesOrphans()
    {
        await using var store = new Switchyard.Store.Memory.InMemoryResourceStore();
        Assert.True((await store.CreateAsync(Service("web"))).Ok);
        Assert.True((await store.CreateAsync(Pod("web-a", "web", "127.64.0.1"))).Ok);
        var orphan = UserSlice("gone-ipv4-0");
        orphan.Metadata.Labels[EndpointSliceLabels.ServiceName] = "gone";
        orphan.Metadata.Labels[EndpointSliceLabels.ManagedBy] = EndpointSliceLabels.ControllerName;
        Assert.True((await store.CreateAsync(orphan)).Ok);
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => new EndpointSliceController().RunAsync(store, stop.Token));

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var slices = (await store.ListAsync(new Switchyard.Store.ListQuery(ResourceKinds.EndpointSlice, "default"))).Items.OfType<V1EndpointSlice>().ToList();
            if (slices.Count == 1 && slices[0].Metadata.Name == "web-ipv4-0" && slices[0].Endpoints?.Count == 1) break;
            await Task.Delay(20);
        }
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        var final = (await store.ListAsync(new Switchyard.Store.ListQuery(ResourceKinds.EndpointSlice, "default"))).Items;
        Assert.Equal(["web-ipv4-0"], final.Select(s => s.Metadata.Name));
    }

    private static V1EndpointSlice UserSlice(string name) => new()
    {
        ApiVersion = "discovery.k8s.io/v1",
        Kind = "EndpointSlice",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = "default",
            Labels = new Dictionary<string, string> { [EndpointSliceLabels.ServiceName] = "web" },
        },
        AddressType = "IPv4",
        Endpoints = [new V1Endpoint { Addresses = ["10.0.0.1"] }],
        Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 9999, Protocol = "TCP" }],
    };
}
