using k8s;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Switchyard.Model.Resources;
using Switchyard.Model.Selectors;
using Switchyard.Store.Core;
using static Switchyard.Store.Tests.Examples;

namespace Switchyard.Store.Tests.Conformance;

/// <summary>
/// The behavior every <see cref="IResourceStore"/> must have. Each implementation runs this whole
/// suite through a subclass that says how to open it.
/// </summary>
public abstract partial class ResourceStoreConformanceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2025, 3, 4, 5, 6, 7, 890, TimeSpan.Zero);
    private readonly List<IResourceStore> _opened = [];
    private int _uids;

    protected FakeTimeProvider Time { get; } = new(Start);

    /// <summary>Opens a new, empty store of the implementation under test.</summary>
    protected abstract IResourceStore CreateStore(ResourceStoreOptions options);

    protected IResourceStore Open(int eventRetention = 10_000, int watchBufferSize = 4_096)
    {
        var store = CreateStore(new ResourceStoreOptions
        {
            TimeProvider = Time,
            NewUid = () => new Guid(Interlocked.Increment(ref _uids), 0, 0, new byte[8]),
            EventRetention = eventRetention,
            WatchBufferSize = watchBufferSize,
        });
        _opened.Add(store);
        return store;
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var s in _opened) await s.DisposeAsync();
    }

    private static ObjectRef Ref(ResourceKind kind, string? ns, string name) => new(kind, ns, name);

    private static string Rv(IKubernetesObject<V1ObjectMeta>? obj) => obj!.Metadata.ResourceVersion;

    private static string Describe(WatchEvent e) => $"{e.Type} {e.Revision} {e.Object?.Metadata.NamespaceProperty}/{e.Object?.Metadata.Name}";

    // ---- create / get ----

    [Fact]
    public async Task CreateAsync_NewObject_StampsUidResourceVersionGenerationAndCreationTimestamp()
    {
        var store = Open();

        var result = await store.CreateAsync(ConfigMap("app"));

        Assert.Equal(WriteStatus.Ok, result.Status);
        var meta = result.Object!.Metadata;
        Assert.Equal("00000001-0000-0000-0000-000000000000", meta.Uid);
        Assert.Equal("1", meta.ResourceVersion);
        Assert.Equal(1, meta.Generation);
        Assert.Equal(new DateTime(2025, 3, 4, 5, 6, 7, DateTimeKind.Utc), meta.CreationTimestamp);
        var read = Assert.IsType<V1ConfigMap>(await store.GetAsync(Ref(ResourceKinds.ConfigMap, "default", "app")));
        Assert.Equal("00000001-0000-0000-0000-000000000000", read.Metadata.Uid);
        Assert.Equal("1", read.Metadata.ResourceVersion);
        Assert.Equal(new DateTime(2025, 3, 4, 5, 6, 7, DateTimeKind.Utc), read.Metadata.CreationTimestamp);
        Assert.Equal("v1", read.Data["key"]);
        Assert.Equal("ConfigMap", read.Kind);
        Assert.Equal(1, await store.GetRevisionAsync());
    }

    [Fact]
    public async Task CreateAsync_Twice_ReturnsAlreadyExists()
    {
        var store = Open();
        await store.CreateAsync(ConfigMap("app"));

        var result = await store.CreateAsync(ConfigMap("app", value: "other"));

        Assert.Equal(WriteStatus.AlreadyExists, result.Status);
        Assert.Null(result.Object);
        Assert.Equal("ConfigMap default/app already exists", result.Message);
        Assert.Equal(1, await store.GetRevisionAsync());
    }

    [Fact]
    public async Task CreateAsync_EachWrite_TakesTheNextRevision()
    {
        var store = Open();

        var a = await store.CreateAsync(ConfigMap("a"));
        var b = await store.CreateAsync(Service("b"));
        var c = await store.CreateAsync(Namespace("c"));

        Assert.Equal(["1", "2", "3"], new[] { Rv(a.Object), Rv(b.Object), Rv(c.Object) });
    }

    [Fact]
    public async Task CreateAsync_NamespacedKindWithoutNamespace_LandsInDefault()
    {
        var store = Open();

        var result = await store.CreateAsync(ConfigMap("app", ns: null));

        Assert.Equal("default", result.Object!.Metadata.NamespaceProperty);
        Assert.NotNull(await store.GetAsync(Ref(ResourceKinds.ConfigMap, "default", "app")));
    }

    [Fact]
    public async Task CreateAsync_ClusterScopedKindWithNamespace_DropsTheNamespace()
    {
        var store = Open();

        var result = await store.CreateAsync(Namespace("team-a", ns: "ignored"));

        Assert.Null(result.Object!.Metadata.NamespaceProperty);
        var read = await store.GetAsync(Ref(ResourceKinds.Namespace, null, "team-a"));
        Assert.Null(read!.Metadata.NamespaceProperty);
    }

    [Fact]
    public async Task CreateAsync_CallerChangesItsObjects_StoreIsUnaffected()
    {
        var store = Open();
        var input = ConfigMap("app");

        var result = await store.CreateAsync(input);
        input.Data["key"] = "changed-input";
        ((V1ConfigMap)result.Object!).Data["key"] = "changed-result";
        var first = (V1ConfigMap)(await store.GetAsync(Ref(ResourceKinds.ConfigMap, "default", "app")))!;
        first.Data["key"] = "changed-read";

        var again = (V1ConfigMap)(await store.GetAsync(Ref(ResourceKinds.ConfigMap, "default", "app")))!;
        Assert.Equal("v1", again.Data["key"]);
        Assert.Null(input.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task GetAsync_Missing_ReturnsNull()
    {
        var store = Open();
        await store.CreateAsync(ConfigMap("app", ns: "other"));

        Assert.Null(await store.GetAsync(Ref(ResourceKinds.ConfigMap, "default", "app")));
        Assert.Null(await store.GetAsync(Ref(ResourceKinds.Service, "other", "app")));
    }

    // ---- update ----

    [Fact]
    public async Task UpdateAsync_SpecChange_BumpsGenerationAndKeepsUidAndCreationTimestamp()
    {
        var store = Open();
        var created = (V1Service)(await store.CreateAsync(Service("web"))).Object!;
        Time.Advance(TimeSpan.FromMinutes(5));
        created.Spec.Ports[0].Port = 8080;

        var updated = await store.UpdateAsync(created);

        Assert.Equal(WriteStatus.Ok, updated.Status);
        var meta = updated.Object!.Metadata;
        Assert.Equal("2", meta.ResourceVersion);
        Assert.Equal(2, meta.Generation);
        Assert.Equal(created.Metadata.Uid, meta.Uid);
        Assert.Equal(created.Metadata.CreationTimestamp, meta.CreationTimestamp);
        var read = (V1Service)(await store.GetAsync(Ref(ResourceKinds.Service, "default", "web")))!;
        Assert.Equal(8080, read.Spec.Ports[0].Port);
        Assert.Equal(2, read.Metadata.Generation);
    }

    [Fact]
    public async Task UpdateAsync_MetadataOrStatusOnly_KeepsGeneration()
    {
        var store = Open();
        var svc = (V1Service)(await store.CreateAsync(Service("web"))).Object!;
        svc.Metadata.Labels = Labels("tier=front");
        var relabelled = (V1Service)(await store.UpdateAsync(svc)).Object!;
        relabelled.Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = "127.0.0.9" }] } };

        var withStatus = await store.UpdateAsync(relabelled);

        Assert.Equal("2", relabelled.Metadata.ResourceVersion);
        Assert.Equal(1, relabelled.Metadata.Generation);
        Assert.Equal("3", withStatus.Object!.Metadata.ResourceVersion);
        Assert.Equal(1, withStatus.Object.Metadata.Generation);
    }

    [Fact]
    public async Task UpdateAsync_StaleResourceVersion_ReturnsConflictAndWritesNothing()
    {
        var store = Open();
        var first = (V1Service)(await store.CreateAsync(Service("web"))).Object!;
        var stale = ResourceJson.Clone(first);
        first.Spec.Ports[0].Port = 81;
        await store.UpdateAsync(first);
        stale.Spec.Ports[0].Port = 82;

        var result = await store.UpdateAsync(stale);

        Assert.Equal(WriteStatus.Conflict, result.Status);
        Assert.Equal("Service default/web: the object has been modified; resourceVersion 1 is stale, current is 2", result.Message);
        var read = (V1Service)(await store.GetAsync(Ref(ResourceKinds.Service, "default", "web")))!;
        Assert.Equal(81, read.Spec.Ports[0].Port);
        Assert.Equal(2, await store.GetRevisionAsync());
    }

    [Fact]
    public async Task UpdateAsync_EmptyResourceVersion_IsUnconditional()
    {
        var store = Open();
        await store.CreateAsync(ConfigMap("app"));
        await store.UpdateAsync(ConfigMap("app", value: "v2"));

        var result = await store.UpdateAsync(ConfigMap("app", value: "v3"));

        Assert.Equal(WriteStatus.Ok, result.Status);
        Assert.Equal("3", result.Object!.Metadata.ResourceVersion);
        Assert.Equal("00000001-0000-0000-0000-000000000000", result.Object.Metadata.Uid);
    }

    [Fact]
    public async Task UpdateAsync_Missing_ReturnsNotFound()
    {
        var store = Open();

        var result = await store.UpdateAsync(Namespace("nope"));

        Assert.Equal(WriteStatus.NotFound, result.Status);
        Assert.Equal("Namespace nope not found", result.Message);
        Assert.Equal(0, await store.GetRevisionAsync());
    }

    [Fact]
    public async Task UpdateAsync_DifferentUid_ReturnsConflict()
    {
        var store = Open();
        await store.CreateAsync(ConfigMap("app"));
        var other = ConfigMap("app", value: "v2");
        other.Metadata.Uid = "99999999-0000-0000-0000-000000000000";

        var result = await store.UpdateAsync(other);

        Assert.Equal(WriteStatus.Conflict, result.Status);
        Assert.Equal("ConfigMap default/app: uid 99999999-0000-0000-0000-000000000000 does not match the stored object's uid 00000001-0000-0000-0000-000000000000", result.Message);
    }

    [Fact]
    public async Task UpdateAsync_NothingChanged_KeepsResourceVersionAndEmitsNoEvent()
    {
        var store = Open();
        var created = (await store.CreateAsync(ConfigMap("app"))).Object!;
        await using var watch = new WatchReader(store, new WatchQuery(ResourceKinds.ConfigMap, FromRevision: 1));

        var same = await store.UpdateAsync(created);
        await store.CreateAsync(ConfigMap("marker"));

        Assert.Equal(WriteStatus.Ok, same.Status);
        Assert.Equal("1", same.Object!.Metadata.ResourceVersion);
        var next = await watch.NextAsync();
        Assert.Equal("Added 2 default/marker", Describe(next));
    }

    // ---- delete ----

    [Fact]
    public async Task DeleteAsync_Existing_RemovesItAndReturnsLastStateAtTheDeleteRevision()
    {
        var store = Open();
        await store.CreateAsync(ConfigMap("app"));

        var result = await store.DeleteAsync(Ref(ResourceKinds.ConfigMap, "default", "app"));

        Assert.Equal(WriteStatus.Ok, result.Status);
        Assert.Equal("2", result.Object!.Metadata.ResourceVersion);
        Assert.Equal("v1", ((V1ConfigMap)result.Object).Data["key"]);
        Assert.Null(await store.GetAsync(Ref(ResourceKinds.ConfigMap, "default", "app")));
        Assert.Equal(2, await store.GetRevisionAsync());
    }

    [Fact]
    public async Task DeleteAsync_StaleResourceVersion_ReturnsConflict()
    {
        var store = Open();
        await store.CreateAsync(ConfigMap("app"));
        await store.UpdateAsync(ConfigMap("app", value: "v2"));

        var result = await store.DeleteAsync(Ref(ResourceKinds.ConfigMap, "default", "app"), "1");

        Assert.Equal(WriteStatus.Conflict, result.Status);
        Assert.Equal("ConfigMap default/app: the object has been modified; resourceVersion 1 is stale, current is 2", result.Message);
        Assert.NotNull(await store.GetAsync(Ref(ResourceKinds.ConfigMap, "default", "app")));
    }

    [Fact]
    public async Task DeleteAsync_MatchingResourceVersion_Deletes()
    {
        var store = Open();
        await store.CreateAsync(ConfigMap("app"));

        var result = await store.DeleteAsync(Ref(ResourceKinds.ConfigMap, "default", "app"), "1");

        Assert.Equal(WriteStatus.Ok, result.Status);
    }

    [Fact]
    public async Task DeleteAsync_Missing_ReturnsNotFound()
    {
        var store = Open();

        var result = await store.DeleteAsync(Ref(ResourceKinds.Service, "shop", "web"));

        Assert.Equal(WriteStatus.NotFound, result.Status);
        Assert.Equal("Service shop/web not found", result.Message);
    }

    [Fact]
    public async Task CreateAsync_AfterDelete_GetsANewUid()
    {
        var store = Open();
        var first = (await store.CreateAsync(ConfigMap("app"))).Object!;
        await store.DeleteAsync(Ref(ResourceKinds.ConfigMap, "default", "app"));

        var second = (await store.CreateAsync(ConfigMap("app"))).Object!;

        Assert.NotEqual(first.Metadata.Uid, second.Metadata.Uid);
        Assert.Equal("3", second.Metadata.ResourceVersion);
        Assert.Equal(1, second.Metadata.Generation);
    }

    // ---- list ----

    [Fact]
    public async Task ListAsync_ByKind_SortedByNamespaceThenName()
    {
        var store = Open();
        foreach (var (ns, name) in new[] { ("b", "z"), ("a", "y"), ("b", "a"), ("a", "b") }) await store.CreateAsync(ConfigMap(name, ns));
        await store.CreateAsync(Service("svc", "a"));

        var list = await store.ListAsync(new ListQuery(ResourceKinds.ConfigMap));

        Assert.Equal(["a/b", "a/y", "b/a", "b/z"], list.Items.Select(o => $"{o.Metadata.NamespaceProperty}/{o.Metadata.Name}"));
        Assert.All(list.Items, o => Assert.IsType<V1ConfigMap>(o));
        Assert.Equal(5, list.Revision);
    }

    [Fact]
    public async Task ListAsync_NamespaceAndSelector_ReturnsOnlyMatches()
    {
        var store = Open();
        await store.CreateAsync(Service("web", "shop", labels: Labels("tier=front", "team=a")));
        await store.CreateAsync(Service("api", "shop", labels: Labels("tier=back")));
        await store.CreateAsync(Service("db", "shop"));
        await store.CreateAsync(Service("web", "other", labels: Labels("tier=front")));

        var front = await store.ListAsync(new ListQuery(ResourceKinds.Service, "shop", Selector.Parse("tier=front").Selector));
        var notFront = await store.ListAsync(new ListQuery(ResourceKinds.Service, "shop", Selector.Parse("tier notin (front)").Selector));
        var everywhere = await store.ListAsync(new ListQuery(ResourceKinds.Service, null, Selector.Parse("tier").Selector));

        Assert.Equal(["shop/web"], front.Items.Select(o => $"{o.Metadata.NamespaceProperty}/{o.Metadata.Name}"));
        Assert.Equal(["shop/api", "shop/db"], notFront.Items.Select(o => $"{o.Metadata.NamespaceProperty}/{o.Metadata.Name}"));
        Assert.Equal(["other/web", "shop/api", "shop/web"], everywhere.Items.Select(o => $"{o.Metadata.NamespaceProperty}/{o.Metadata.Name}"));
    }

    [Fact]
    public async Task ListAsync_AllKinds_ReturnsEveryObjectSortedByNamespaceThenName()
    {
        var store = Open();
        await store.CreateAsync(Service("web", "shop"));
        await store.CreateAsync(Namespace("shop"));
        await store.CreateAsync(ConfigMap("app", "shop"));

        var list = await store.ListAsync(new ListQuery(null));

        Assert.Equal(["Namespace /shop", "ConfigMap shop/app", "Service shop/web"],
            list.Items.Select(o => $"{o.Kind} {o.Metadata.NamespaceProperty}/{o.Metadata.Name}"));
    }

    [Fact]
    public async Task ListAsync_Empty_ReturnsCurrentRevision()
    {
        var store = Open();
        await store.CreateAsync(ConfigMap("a"));
        await store.DeleteAsync(Ref(ResourceKinds.ConfigMap, "default", "a"));

        var list = await store.ListAsync(new ListQuery(ResourceKinds.ConfigMap));

        Assert.Empty(list.Items);
        Assert.Equal(2, list.Revision);
    }

    // ---- transactions ----

    [Fact]
    public async Task CommitAsync_AllSucceed_EachOperationGetsItsOwnRevisionInOrder()
    {
        var store = Open();
        await store.CreateAsync(ConfigMap("old"));

        var tx = await store.CommitAsync([
            StoreOperation.Create(ConfigMap("a")),
            StoreOperation.Upsert(Service("web")),
            StoreOperation.Delete(Ref(ResourceKinds.ConfigMap, "default", "old")),
        ]);

        Assert.True(tx.Committed);
        Assert.Equal(4, tx.Revision);
        Assert.Equal(["2", "3", "4"], tx.Results.Select(r => Rv(r.Object)));
        Assert.Equal(4, await store.GetRevisionAsync());
    }

    [Fact]
    public async Task CommitAsync_FailingOperationInTheMiddle_WritesNothingAndEmitsNothing()
    {
        var store = Open();
        await store.CreateAsync(ConfigMap("exists"));
        await using var watch = new WatchReader(store, new WatchQuery(null, FromRevision: 1));

        var tx = await store.CommitAsync([
            StoreOperation.Create(ConfigMap("a")),
            StoreOperation.Upsert(ConfigMap("exists", value: "changed")),
            StoreOperation.Create(ConfigMap("exists")),
            StoreOperation.Create(ConfigMap("c")),
        ]);
        await store.CreateAsync(ConfigMap("marker"));

        Assert.False(tx.Committed);
        Assert.Equal(2, tx.Failed);
        var failed = Assert.Single(tx.Results);
        Assert.Equal(WriteStatus.AlreadyExists, failed.Status);
        Assert.Equal("ConfigMap default/exists already exists", failed.Message);
        Assert.Equal(1, tx.Revision);
        Assert.Null(await store.GetAsync(Ref(ResourceKinds.ConfigMap, "default", "a")));
        Assert.Equal("v1", ((V1ConfigMap)(await store.GetAsync(Ref(ResourceKinds.ConfigMap, "default", "exists")))!).Data["key"]);
        Assert.Equal("Added 2 default/marker", Describe(await watch.NextAsync()));
    }

    [Fact]
    public async Task CommitAsync_CreateThenUpdateInOneTransaction_SeesItsOwnWrites()
    {
        var store = Open();
        var cm = ConfigMap("app");

        var tx = await store.CommitAsync([
            StoreOperation.Create(cm),
            StoreOperation.Update(ConfigMap("app", value: "v2")),
            StoreOperation.Delete(Ref(ResourceKinds.ConfigMap, "default", "app"), "2"),
            StoreOperation.Create(ConfigMap("app", value: "v3")),
        ]);

        Assert.True(tx.Committed);
        var final = (V1ConfigMap)(await store.GetAsync(Ref(ResourceKinds.ConfigMap, "default", "app")))!;
        Assert.Equal("v3", final.Data["key"]);
        Assert.Equal("4", final.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task CommitAsync_Upsert_CreatesThenReplacesUnconditionally()
    {
        var store = Open();
        var first = await store.CommitAsync([StoreOperation.Upsert(ConfigMap("app"))]);
        var stale = ConfigMap("app", value: "v2");
        stale.Metadata.ResourceVersion = "999";

        var second = await store.CommitAsync([StoreOperation.Upsert(stale)]);

        Assert.Equal("1", Rv(first.Results[0].Object));
        Assert.Equal("2", Rv(second.Results[0].Object));
        Assert.Equal(first.Results[0].Object!.Metadata.Uid, second.Results[0].Object!.Metadata.Uid);
    }
}
