using System.Net;
using k8s.Models;
using Switchyard.Control.Admission;
using Switchyard.Model.Networking;
using Switchyard.Model.Validation;
using Switchyard.Store.Memory;

namespace Switchyard.Control.Tests.Admission;

public sealed class ClusterIpAllocatorTests
{
    private static readonly ClusterNetworkOptions DualStackOptions = new() { ServiceCidrs = ["127.96.0.0/12", "fd00:10:96::/112"] };

    [Fact]
    public async Task Admit_CreateWithoutClusterIP_AllocatesSingleStackAddressInDefaultRange()
    {
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions(), new Random(1));
        var svc = Service("web");

        var errors = await CreateAsync(allocator, svc);

        Assert.Empty(errors);
        var ip = IPAddress.Parse(svc.Spec.ClusterIP);
        Assert.Equal(svc.Spec.ClusterIP, Assert.Single(svc.Spec.ClusterIPs));
        Assert.Equal(["IPv4"], svc.Spec.IpFamilies);
        Assert.Equal("SingleStack", svc.Spec.IpFamilyPolicy);
        Assert.Equal(127, ip.GetAddressBytes()[0]);
        Assert.InRange(ip.GetAddressBytes()[1], 96, 111);
        Assert.True(allocator.IsAllocated(ip));
        Assert.Equal(1, allocator.CountAllocated(IpFamily.IPv4));
    }

    [Fact]
    public async Task Admit_SameSeed_AllocatesSameAddresses()
    {
        var a = new ClusterIpAllocator(new ClusterNetworkOptions(), new Random(42));
        var b = new ClusterIpAllocator(new ClusterNetworkOptions(), new Random(42));
        var first = new List<string>();
        var second = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var s1 = Service($"s{i}");
            var s2 = Service($"s{i}");
            await CreateAsync(a, s1);
            await CreateAsync(b, s2);
            first.Add(s1.Spec.ClusterIP);
            second.Add(s2.Spec.ClusterIP);
        }
        Assert.Equal(first, second);
        Assert.Equal(5, first.Distinct().Count());
    }

    [Fact]
    public async Task Admit_LargeRange_AllocatesFromUpperBandFirst()
    {
        // 127.96.0.0/12 reserves its lowest 256 usable addresses (127.96.0.1 - 127.96.1.0) for users.
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions(), new Random(3));
        for (var i = 0; i < 50; i++)
        {
            var svc = Service($"s{i}");
            await CreateAsync(allocator, svc);
            var b = IPAddress.Parse(svc.Spec.ClusterIP).GetAddressBytes();
            Assert.False(b[1] == 96 && (b[2] == 0 || (b[2] == 1 && b[3] == 0)), svc.Spec.ClusterIP);
        }
    }

    [Fact]
    public async Task Admit_Headless_SetsNoneAndAllocatesNothing()
    {
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions());
        var svc = Service("db", clusterIP: "None");

        var errors = await CreateAsync(allocator, svc);

        Assert.Empty(errors);
        Assert.Equal("None", svc.Spec.ClusterIP);
        Assert.Equal(["None"], svc.Spec.ClusterIPs);
        Assert.Equal(["IPv4"], svc.Spec.IpFamilies);
        Assert.Equal("SingleStack", svc.Spec.IpFamilyPolicy);
        Assert.Equal(0, allocator.CountAllocated(IpFamily.IPv4));
    }

    [Fact]
    public async Task Admit_HeadlessWithoutSelectorOnDualStack_DefaultsToRequireDualStack()
    {
        var allocator = new ClusterIpAllocator(DualStackOptions);
        var svc = Service("ext", clusterIP: "None");
        svc.Spec.Selector = null;

        Assert.Empty(await CreateAsync(allocator, svc));

        Assert.Equal("RequireDualStack", svc.Spec.IpFamilyPolicy);
        Assert.Equal(["IPv4", "IPv6"], svc.Spec.IpFamilies);
    }

    [Fact]
    public async Task Admit_UserIpInRange_IsReservedAndKept()
    {
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions());
        var svc = Service("web", clusterIP: "127.96.0.10");

        Assert.Empty(await CreateAsync(allocator, svc));

        Assert.Equal("127.96.0.10", svc.Spec.ClusterIP);
        Assert.Equal(["127.96.0.10"], svc.Spec.ClusterIPs);
        Assert.True(allocator.IsAllocated(IPAddress.Parse("127.96.0.10")));
    }

    [Theory]
    [InlineData("1.2.3.4", "spec.clusterIPs[0]: Invalid value: \"1.2.3.4\": provided IP is not in the valid range. The range of valid IPs is 127.96.0.0/12")]
    [InlineData("127.96.0.0", "spec.clusterIPs[0]: Invalid value: \"127.96.0.0\": provided IP is not in the valid range. The range of valid IPs is 127.96.0.0/12")]
    [InlineData("127.111.255.255", "spec.clusterIPs[0]: Invalid value: \"127.111.255.255\": provided IP is not in the valid range. The range of valid IPs is 127.96.0.0/12")]
    [InlineData("127.96.0.300", "spec.clusterIPs[0]: Invalid value: \"127.96.0.300\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")]
    [InlineData("fd00:10:96::5", "spec.ipFamilies[0]: Invalid value: \"IPv6\": no IPv6 service range is configured on this cluster")]
    public async Task Admit_BadUserIp_IsRefusedWithFieldError(string clusterIp, string expected)
    {
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions());

        var errors = await CreateAsync(allocator, Service("web", clusterIP: clusterIp));

        Assert.Equal([expected], errors.Select(e => e.ToString()));
        Assert.Equal(0, allocator.CountAllocated(IpFamily.IPv4));
    }

    [Fact]
    public async Task Admit_DuplicateUserIp_IsRefused()
    {
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions());
        Assert.Empty(await CreateAsync(allocator, Service("a", clusterIP: "127.96.0.10")));

        var errors = await CreateAsync(allocator, Service("b", clusterIP: "127.96.0.10"));

        Assert.Equal(["spec.clusterIPs[0]: Invalid value: \"127.96.0.10\": provided IP is already allocated"], errors.Select(e => e.ToString()));
    }

    [Fact]
    public async Task Admit_PendingReservation_BlocksSameIpUntilCompleted()
    {
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions());
        var first = Request(AdmissionOperation.Create, Service("a", clusterIP: "127.96.0.10"));
        Assert.Empty(await allocator.AdmitAsync(first, default));

        var second = Request(AdmissionOperation.Create, Service("b", clusterIP: "127.96.0.10"));
        Assert.Single(await allocator.AdmitAsync(second, default));

        allocator.Completed(first, committed: false);
        Assert.Empty(await allocator.AdmitAsync(second, default));
    }

    [Fact]
    public async Task Completed_NotCommitted_ReleasesAllocatedAddress()
    {
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions());
        var request = Request(AdmissionOperation.Create, Service("web"));
        Assert.Empty(await allocator.AdmitAsync(request, default));
        var ip = IPAddress.Parse(((V1Service)request.Object!).Spec.ClusterIP);
        Assert.True(allocator.IsAllocated(ip));

        allocator.Completed(request, committed: false);

        Assert.False(allocator.IsAllocated(ip));
        Assert.Equal(0, allocator.CountAllocated(IpFamily.IPv4));
    }

    [Fact]
    public async Task Completed_EqualButNotSameRequest_StillReleases()
    {
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions());
        var request = Request(AdmissionOperation.Create, Service("web"));
        Assert.Empty(await allocator.AdmitAsync(request, default));

        allocator.Completed(request with { }, committed: false);

        Assert.Equal(0, allocator.CountAllocated(IpFamily.IPv4));
    }

    [Fact]
    public async Task Admit_TinyRangeExhausted_ReportsRangeIsFull()
    {
        // A /29 has 8 addresses; the network (.0) and broadcast (.7) are reserved, leaving 6.
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions { ServiceCidrs = ["127.96.0.0/29"] }, new Random(7));
        var got = new HashSet<string>();
        for (var i = 0; i < 6; i++)
        {
            var svc = Service($"s{i}");
            Assert.Empty(await CreateAsync(allocator, svc));
            got.Add(svc.Spec.ClusterIP);
        }
        Assert.Equal(Enumerable.Range(1, 6).Select(i => $"127.96.0.{i}").ToHashSet(), got);

        var errors = await CreateAsync(allocator, Service("s6"));

        Assert.Equal(["spec.clusterIPs[0]: Forbidden: failed to allocate an IPv4 cluster IP: range is full. The range of valid IPs is 127.96.0.0/29"], errors.Select(e => e.ToString()));
    }

    [Fact]
    public async Task Completed_DeleteCommitted_ReleasesForReuse()
    {
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions { ServiceCidrs = ["127.96.0.0/30"] });
        var svc = Service("a", clusterIP: "127.96.0.1");
        Assert.Empty(await CreateAsync(allocator, svc));

        var failedDelete = Request(AdmissionOperation.Delete, null, svc);
        Assert.Empty(await allocator.AdmitAsync(failedDelete, default));
        allocator.Completed(failedDelete, committed: false);
        Assert.True(allocator.IsAllocated(IPAddress.Parse("127.96.0.1")));

        var delete = Request(AdmissionOperation.Delete, null, svc);
        Assert.Empty(await allocator.AdmitAsync(delete, default));
        allocator.Completed(delete, committed: true);

        Assert.False(allocator.IsAllocated(IPAddress.Parse("127.96.0.1")));
        Assert.Empty(await CreateAsync(allocator, Service("b", clusterIP: "127.96.0.1")));
    }

    [Fact]
    public async Task Admit_UpdateWithEmptyClusterIP_KeepsExisting()
    {
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions());
        var stored = Service("web");
        await CreateAsync(allocator, stored);
        var update = Service("web");

        var errors = await UpdateAsync(allocator, update, stored);

        Assert.Empty(errors);
        Assert.Equal(stored.Spec.ClusterIP, update.Spec.ClusterIP);
        Assert.Equal(stored.Spec.ClusterIPs, update.Spec.ClusterIPs);
        Assert.Equal(["IPv4"], update.Spec.IpFamilies);
        Assert.Equal(1, allocator.CountAllocated(IpFamily.IPv4));
    }

    [Fact]
    public async Task Admit_UpdateChangingClusterIP_IsRefused()
    {
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions());
        var stored = Service("web", clusterIP: "127.96.0.10");
        await CreateAsync(allocator, stored);

        var errors = await UpdateAsync(allocator, Service("web", clusterIP: "127.96.0.11"), stored);

        Assert.Equal(["spec.clusterIPs[0]: Invalid value: \"127.96.0.11\": may not change once set"], errors.Select(e => e.ToString()));
        Assert.False(allocator.IsAllocated(IPAddress.Parse("127.96.0.11")));
    }

    [Fact]
    public async Task Admit_UpdateHeadlessToClusterIP_IsRefused()
    {
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions());
        var stored = Service("db", clusterIP: "None");
        await CreateAsync(allocator, stored);

        var errors = await UpdateAsync(allocator, Service("db", clusterIP: "127.96.0.11"), stored);

        Assert.Equal(["spec.clusterIPs[0]: Invalid value: \"127.96.0.11\": may not change once set"], errors.Select(e => e.ToString()));
    }

    [Fact]
    public async Task Admit_UpdateToExternalName_ClearsFieldsAndReleasesOnCommit()
    {
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions());
        var stored = Service("web");
        await CreateAsync(allocator, stored);
        var ip = IPAddress.Parse(stored.Spec.ClusterIP);
        var update = Service("web", type: "ExternalName");
        update.Spec.ExternalName = "example.com";

        var request = Request(AdmissionOperation.Update, update, stored);
        Assert.Empty(await allocator.AdmitAsync(request, default));
        Assert.Null(update.Spec.ClusterIP);
        Assert.Null(update.Spec.ClusterIPs);
        Assert.True(allocator.IsAllocated(ip));

        allocator.Completed(request, committed: true);
        Assert.False(allocator.IsAllocated(ip));
    }

    [Fact]
    public async Task Admit_ExternalNameWithClusterIP_IsRefused()
    {
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions());
        var svc = Service("ext", clusterIP: "127.96.0.10", type: "ExternalName");

        var errors = await CreateAsync(allocator, svc);

        Assert.Equal(["spec.clusterIPs: Forbidden: may not be set when spec.type is ExternalName"], errors.Select(e => e.ToString()));
    }

    [Fact]
    public async Task Admit_ExternalName_AllocatesNothing()
    {
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions());
        var svc = Service("ext", type: "ExternalName");

        Assert.Empty(await CreateAsync(allocator, svc));

        Assert.Null(svc.Spec.ClusterIP);
        Assert.Equal(0, allocator.CountAllocated(IpFamily.IPv4));
    }

    [Fact]
    public async Task Admit_PreferDualStackOnDualStackCluster_AllocatesOnePerFamily()
    {
        var allocator = new ClusterIpAllocator(DualStackOptions, new Random(5));
        var svc = Service("web", policy: "PreferDualStack");

        Assert.Empty(await CreateAsync(allocator, svc));

        Assert.Equal(2, svc.Spec.ClusterIPs.Count);
        Assert.Equal(["IPv4", "IPv6"], svc.Spec.IpFamilies);
        Assert.Equal(svc.Spec.ClusterIPs[0], svc.Spec.ClusterIP);
        Assert.StartsWith("fd00:10:96::", svc.Spec.ClusterIPs[1], StringComparison.Ordinal);
        Assert.Equal(1, allocator.CountAllocated(IpFamily.IPv6));
    }

    [Fact]
    public async Task Admit_IPv6FirstRequireDualStack_OrdersFamiliesAsAsked()
    {
        var allocator = new ClusterIpAllocator(DualStackOptions);
        var svc = Service("web", policy: "RequireDualStack");
        svc.Spec.IpFamilies = ["IPv6"];

        Assert.Empty(await CreateAsync(allocator, svc));

        Assert.Equal(["IPv6", "IPv4"], svc.Spec.IpFamilies);
        Assert.Contains(':', svc.Spec.ClusterIP);
    }

    [Fact]
    public async Task Admit_PreferDualStackOnSingleStackCluster_AllocatesOne()
    {
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions());
        var svc = Service("web", policy: "PreferDualStack");

        Assert.Empty(await CreateAsync(allocator, svc));

        Assert.Single(svc.Spec.ClusterIPs);
        Assert.Equal("PreferDualStack", svc.Spec.IpFamilyPolicy);
    }

    [Fact]
    public async Task Admit_RequireDualStackOnSingleStackCluster_IsRefused()
    {
        var allocator = new ClusterIpAllocator(new ClusterNetworkOptions());

        var errors = await CreateAsync(allocator, Service("web", policy: "RequireDualStack"));

        Assert.Equal(["spec.ipFamilyPolicy: Invalid value: \"RequireDualStack\": this cluster is not configured for dual-stack services: configure one IPv4 and one IPv6 service range"],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public async Task Admit_SeveralProblems_ReportsThemAll()
    {
        var allocator = new ClusterIpAllocator(DualStackOptions);
        var svc = Service("web", policy: "Sometimes");
        svc.Spec.ClusterIPs = ["10.0.0.1", "bogus"];

        var errors = await CreateAsync(allocator, svc);

        Assert.Equal(
            [
                "spec.clusterIPs[1]: Invalid value: \"bogus\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                "spec.ipFamilyPolicy: Unsupported value: \"Sometimes\": supported values: \"SingleStack\", \"PreferDualStack\", \"RequireDualStack\"",
            ],
            errors.Select(e => e.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Admit_DualStackUserIpsOneBad_ReleasesTheGoodOne()
    {
        var allocator = new ClusterIpAllocator(DualStackOptions);
        var svc = Service("web", policy: "RequireDualStack");
        svc.Spec.ClusterIPs = ["127.96.0.10", "fd00:99::1"];

        var errors = await CreateAsync(allocator, svc);

        Assert.Equal(["spec.clusterIPs[1]: Invalid value: \"fd00:99::1\": provided IP is not in the valid range. The range of valid IPs is fd00:10:96::/112"], errors.Select(e => e.ToString()));
        Assert.False(allocator.IsAllocated(IPAddress.Parse("127.96.0.10")));
    }

    [Fact]
    public async Task Admit_DowngradeToSingleStack_ReleasesSecondaryOnCommit()
    {
        var allocator = new ClusterIpAllocator(DualStackOptions);
        var stored = Service("web", policy: "PreferDualStack");
        await CreateAsync(allocator, stored);
        var secondary = IPAddress.Parse(stored.Spec.ClusterIPs[1]);
        var update = Service("web", policy: "SingleStack");
        update.Spec.ClusterIPs = [.. stored.Spec.ClusterIPs];
        update.Spec.IpFamilies = [.. stored.Spec.IpFamilies];

        var request = Request(AdmissionOperation.Update, update, stored);
        Assert.Empty(await allocator.AdmitAsync(request, default));
        allocator.Completed(request, committed: true);

        Assert.Equal([stored.Spec.ClusterIPs[0]], update.Spec.ClusterIPs);
        Assert.Equal(["IPv4"], update.Spec.IpFamilies);
        Assert.False(allocator.IsAllocated(secondary));
    }

    [Fact]
    public async Task Admit_UpgradeToDualStack_AddsSecondary()
    {
        var allocator = new ClusterIpAllocator(DualStackOptions);
        var stored = Service("web");
        await CreateAsync(allocator, stored);
        var update = Service("web", policy: "PreferDualStack");

        Assert.Empty(await UpdateAsync(allocator, update, stored));

        Assert.Equal(stored.Spec.ClusterIP, update.Spec.ClusterIPs[0]);
        Assert.Equal(2, update.Spec.ClusterIPs.Count);
        Assert.Equal(1, allocator.CountAllocated(IpFamily.IPv6));
    }

    [Fact]
    public async Task InitializeAsync_ServicesInStore_AreReservedAndSkipped()
    {
        await using var store = new InMemoryResourceStore();
        var options = new ClusterNetworkOptions { ServiceCidrs = ["127.96.0.0/29"] };
        for (var i = 1; i <= 5; i++)
        {
            var stored = Service($"s{i}", clusterIP: $"127.96.0.{i}");
            stored.Spec.ClusterIPs = [stored.Spec.ClusterIP];
            Assert.True((await store.CreateAsync(stored)).Ok);
        }
        Assert.True((await store.CreateAsync(Service("outside", clusterIP: "10.0.0.1"))).Ok);
        var allocator = new ClusterIpAllocator(options);

        await allocator.InitializeAsync(store, default);

        Assert.Equal(5, allocator.CountAllocated(IpFamily.IPv4));
        var svc = Service("new");
        Assert.Empty(await CreateAsync(allocator, svc));
        Assert.Equal("127.96.0.6", svc.Spec.ClusterIP);
        Assert.Single(await CreateAsync(allocator, Service("full")));
    }

    [Fact]
    public void Options_Default_IsValidAndInsideLoopback()
    {
        var options = new ClusterNetworkOptions();

        Assert.Empty(options.Validate());
        Assert.Equal(["127.96.0.0/12"], options.ServiceCidrs);
        Assert.Equal(["127.64.0.0/12"], options.PodCidrs);
    }

    [Fact]
    public void Options_Invalid_ReportsEveryProblem()
    {
        var options = new ClusterNetworkOptions
        {
            ServiceCidrs = ["127.64.0.0/16", "127.1.0.0/16", "10.0.0.1/8", "10.9.9.9/32"],
            PodCidrs = ["127.64.0.0/12"],
        };

        var errors = options.Validate().Select(e => e.ToString()).ToList();

        Assert.Equal(
            [
                "ServiceCidrs: Too many: 4: must have at most 2 items",
                "ServiceCidrs[1]: Invalid value: \"127.1.0.0/16\": only one IPv4 range may be configured",
                "ServiceCidrs[2]: Invalid value: \"10.0.0.1/8\": must be a network address with no host bits set, e.g. 10.0.0.0/8",
                "ServiceCidrs[3]: Invalid value: \"10.9.9.9/32\": only one IPv4 range may be configured",
                "ServiceCidrs[0]: Invalid value: \"127.64.0.0/16\": overlaps the pod range 127.64.0.0/12 (PodCidrs[0]); the two must be disjoint",
            ],
            errors);
    }

    [Fact]
    public void Options_TooSmallRange_IsRefused()
    {
        var errors = new ClusterNetworkOptions { ServiceCidrs = ["127.96.0.0/31"] }.Validate();

        Assert.Equal(["ServiceCidrs[0]: Invalid value: \"127.96.0.0/31\": range is too small: it has no usable address once the network (and IPv4 broadcast) address is reserved"],
            errors.Select(e => e.ToString()));
        Assert.Throws<ArgumentException>(() => new ClusterIpAllocator(new ClusterNetworkOptions { ServiceCidrs = ["127.96.0.0/31"] }));
    }

    private static async Task<IReadOnlyList<FieldError>> CreateAsync(ClusterIpAllocator allocator, V1Service svc)
    {
        var request = Request(AdmissionOperation.Create, svc);
        var errors = await allocator.AdmitAsync(request, default);
        allocator.Completed(request, committed: errors.Count == 0);
        return errors;
    }

    private static async Task<IReadOnlyList<FieldError>> UpdateAsync(ClusterIpAllocator allocator, V1Service svc, V1Service existing)
    {
        var request = Request(AdmissionOperation.Update, svc, existing);
        var errors = await allocator.AdmitAsync(request, default);
        allocator.Completed(request, committed: errors.Count == 0);
        return errors;
    }

    private static AdmissionRequest Request(AdmissionOperation op, V1Service? svc, V1Service? existing = null) => new(op, svc, existing);

    internal static V1Service Service(string name, string? clusterIP = null, string? type = null, string? policy = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1ServiceSpec
        {
            Type = type,
            ClusterIP = clusterIP,
            IpFamilyPolicy = policy,
            Selector = new Dictionary<string, string> { ["app"] = name },
            Ports = [new V1ServicePort { Port = 80, Protocol = "TCP" }],
        },
    };
}
