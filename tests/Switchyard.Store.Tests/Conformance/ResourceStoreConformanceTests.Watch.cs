using k8s.Models;
using Switchyard.Model.Resources;
using Switchyard.Model.Selectors;
using static Switchyard.Store.Tests.Examples;

namespace Switchyard.Store.Tests.Conformance;

public abstract partial class ResourceStoreConformanceTests
{
    [Fact]
    public async Task WatchAsync_FromRevision_DeliversEveryLaterChangeInOrder()
    {
        var store = Open();
        await store.CreateAsync(ConfigMap("a"));
        await store.CreateAsync(ConfigMap("b"));
        await store.UpdateAsync(ConfigMap("a", value: "v2"));
        await store.DeleteAsync(Ref(ResourceKinds.ConfigMap, "default", "b"));
        await using var watch = new WatchReader(store, new WatchQuery(ResourceKinds.ConfigMap, FromRevision: 1));

        var replayed = await watch.TakeAsync(3);
        await store.CreateAsync(ConfigMap("c"));
        var live = await watch.NextAsync();

        Assert.Equal(["Added 2 default/b", "Modified 3 default/a", "Deleted 4 default/b", "Added 5 default/c"],
            replayed.Append(live).Select(Describe));
        Assert.Equal("4", replayed[2].Object!.Metadata.ResourceVersion);
        Assert.Equal("v2", ((V1ConfigMap)replayed[1].Object!).Data["key"]);
    }

    [Fact]
    public async Task WatchAsync_FromRevisionUnderConcurrentWriters_DeliversEachChangeExactlyOnceInOrder()
    {
        const int Writers = 4, PerWriter = 60;
        var store = Open();
        await store.CreateAsync(ConfigMap("start"));
        await using var watch = new WatchReader(store, new WatchQuery(ResourceKinds.ConfigMap, FromRevision: 1));
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < PerWriter; i++)
            {
                var name = $"w{w}-{i % 10}";
                var result = i < 10
                    ? await store.CreateAsync(ConfigMap(name))
                    : (await store.CommitAsync([StoreOperation.Upsert(ConfigMap(name, value: $"v{i}"))])).Results[0];
                Assert.True(result.Ok, result.Message);
            }
        })).ToList();

        var first = await watch.NextAsync(); // the watch is live while the writers run
        await Task.WhenAll(writers);
        var events = new List<WatchEvent> { first };
        events.AddRange(await watch.TakeAsync(Writers * PerWriter - 1));

        Assert.Equal(Enumerable.Range(2, Writers * PerWriter).Select(r => (long)r), events.Select(e => e.Revision));
        Assert.All(events, e => Assert.Equal(e.Revision.ToString(), e.Object!.Metadata.ResourceVersion));
        Assert.Equal(Writers * 10, events.Count(e => e.Type == WatchEventType.Added));
        await store.CreateAsync(ConfigMap("marker"));
        Assert.Equal("marker", (await watch.NextAsync()).Object!.Metadata.Name);
    }

    [Fact]
    public async Task WatchAsync_WithoutRevision_SendsCurrentObjectsAsAddedThenChanges()
    {
        var store = Open();
        await store.CreateAsync(Service("web", "shop"));
        await store.CreateAsync(Service("api", "shop"));
        await store.CreateAsync(ConfigMap("not-a-service", "shop"));
        await using var watch = new WatchReader(store, new WatchQuery(ResourceKinds.Service));

        var initial = await watch.TakeAsync(2);
        await store.DeleteAsync(Ref(ResourceKinds.Service, "shop", "web"));
        var change = await watch.NextAsync();

        Assert.Equal(["Added 2 shop/api", "Added 1 shop/web", "Deleted 4 shop/web"], initial.Append(change).Select(Describe));
    }

    [Fact]
    public async Task WatchAsync_LabelSelector_ReportsObjectsEnteringAsAddedAndLeavingAsDeleted()
    {
        var store = Open();
        var selector = Selector.Parse("tier=front").Selector;
        await using var watch = new WatchReader(store, new WatchQuery(ResourceKinds.Service, LabelSelector: selector, FromRevision: 0));

        await store.CreateAsync(Service("web", labels: Labels("tier=back")));                 // 1: not selected
        await store.UpdateAsync(Service("web", labels: Labels("tier=front")));                // 2: enters
        await store.UpdateAsync(Service("web", port: 81, labels: Labels("tier=front")));      // 3: stays
        await store.UpdateAsync(Service("web", port: 82, labels: Labels("tier=back")));       // 4: leaves
        await store.UpdateAsync(Service("web", port: 83, labels: Labels("tier=back")));       // 5: stays out
        await store.CreateAsync(Service("api", labels: Labels("tier=front")));                // 6
        await store.DeleteAsync(Ref(ResourceKinds.Service, "default", "web"));                // 7: not selected
        await store.DeleteAsync(Ref(ResourceKinds.Service, "default", "api"));                // 8

        var events = await watch.TakeAsync(5);

        Assert.Equal(["Added 2 default/web", "Modified 3 default/web", "Deleted 4 default/web", "Added 6 default/api", "Deleted 8 default/api"],
            events.Select(Describe));
        var left = (V1Service)events[2].Object!;
        Assert.Equal("front", left.Metadata.Labels["tier"]); // the last state that matched
        Assert.Equal(81, left.Spec.Ports[0].Port);
        Assert.Equal("4", left.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task WatchAsync_Namespace_SkipsOtherNamespaces()
    {
        var store = Open();
        await using var watch = new WatchReader(store, new WatchQuery(ResourceKinds.ConfigMap, "shop", FromRevision: 0));

        await store.CreateAsync(ConfigMap("a", "other"));
        await store.CreateAsync(ConfigMap("b", "shop"));
        await store.CreateAsync(Service("c", "shop"));
        await store.CreateAsync(ConfigMap("d", "shop"));

        Assert.Equal(["Added 2 shop/b", "Added 4 shop/d"], (await watch.TakeAsync(2)).Select(Describe));
    }

    [Fact]
    public async Task WatchAsync_RevisionCompactedAway_YieldsExpiredAndEnds()
    {
        var store = Open(eventRetention: 5);
        for (var i = 0; i < 20; i++) await store.CreateAsync(ConfigMap($"cm{i}"));
        await using var watch = new WatchReader(store, new WatchQuery(ResourceKinds.ConfigMap, FromRevision: 2));

        var expired = await watch.NextAsync();

        Assert.Equal(WatchEventType.Expired, expired.Type);
        Assert.Null(expired.Object);
        Assert.InRange(expired.Revision, 3, 15);
        Assert.True(await watch.EndsAsync());
    }

    [Fact]
    public async Task WatchAsync_FromTheExpiredAnswersRevision_Works()
    {
        var store = Open(eventRetention: 5);
        for (var i = 0; i < 20; i++) await store.CreateAsync(ConfigMap($"cm{i}"));
        long oldest;
        await using (var expiredWatch = new WatchReader(store, new WatchQuery(null, FromRevision: 1)))
        {
            oldest = (await expiredWatch.NextAsync()).Revision;
        }
        await using var watch = new WatchReader(store, new WatchQuery(null, FromRevision: oldest));

        var events = await watch.TakeAsync((int)(20 - oldest));

        Assert.Equal(Enumerable.Range((int)oldest + 1, (int)(20 - oldest)).Select(r => (long)r), events.Select(e => e.Revision));
    }

    [Fact]
    public async Task WatchAsync_Cancelled_EndsTheStream()
    {
        var store = Open();
        using var cts = new CancellationTokenSource();
        var events = new List<WatchEvent>();
        var consume = Task.Run(async () =>
        {
            await foreach (var e in store.WatchAsync(new WatchQuery(null, FromRevision: 0), cts.Token)) events.Add(e);
        });
        await store.CreateAsync(ConfigMap("a"));
        while (events.Count == 0 && !consume.IsCompleted) await Task.Delay(10);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => consume.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Single(events);
    }

    [Fact]
    public async Task WatchAsync_StoreDisposed_EndsTheStream()
    {
        var store = Open();
        await store.CreateAsync(ConfigMap("a"));
        await using var watch = new WatchReader(store, new WatchQuery(null, FromRevision: 0));
        await watch.NextAsync();

        await store.DisposeAsync();

        Assert.True(await watch.EndsAsync());
    }

    [Fact]
    public async Task WatchAsync_SlowWatcher_DoesNotHoldUpWritersAndCatchesUpFromHistory()
    {
        var store = Open(watchBufferSize: 4);
        await using var slow = new WatchReader(store, new WatchQuery(null, FromRevision: 0));
        await store.CreateAsync(ConfigMap("first"));
        Assert.Equal(1, (await slow.NextAsync()).Revision); // live now, with a 4-event buffer

        for (var i = 0; i < 100; i++) await store.CreateAsync(ConfigMap($"cm{i}"));
        var events = await slow.TakeAsync(100);

        Assert.Equal(Enumerable.Range(2, 100).Select(r => (long)r), events.Select(e => e.Revision));
    }

    [Fact]
    public async Task WatchAsync_SlowWatcherBeyondRetention_GetsExpired()
    {
        var store = Open(eventRetention: 10, watchBufferSize: 4);
        await using var slow = new WatchReader(store, new WatchQuery(null, FromRevision: 0));
        await store.CreateAsync(ConfigMap("first"));
        Assert.Equal(1, (await slow.NextAsync()).Revision);

        for (var i = 0; i < 50; i++) await store.CreateAsync(ConfigMap($"cm{i}"));
        var seen = new List<WatchEvent>();
        while (await slow.MoveAsync()) seen.Add(slow.Current);

        Assert.Equal(WatchEventType.Expired, seen[^1].Type);
        var delivered = seen.SkipLast(1).Select(e => e.Revision).ToList();
        Assert.Equal(Enumerable.Range(2, delivered.Count).Select(r => (long)r), delivered);
    }

    [Fact]
    public async Task WatchAsync_TwoWatchers_ShareOneDecodedObjectPerEvent()
    {
        var store = Open();
        await using var a = new WatchReader(store, new WatchQuery(ResourceKinds.ConfigMap, FromRevision: 0));
        await using var b = new WatchReader(store, new WatchQuery(null, FromRevision: 0));
        var first = a.NextAsync();
        var second = b.NextAsync();

        await store.CreateAsync(ConfigMap("a"));

        Assert.Same((await first).Object, (await second).Object);
    }
}
