using System.Runtime.CompilerServices;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Model.Resources;
using Switchyard.Store.Core;
using Switchyard.Store.Memory;
using Switchyard.Store.Watching;

namespace Switchyard.Store.Tests.Watching;

public sealed class InformerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task RunAsync_ListThenWatch_ReportsEveryChangeWithOldAndNew()
    {
        await using var store = new InMemoryResourceStore(new ResourceStoreOptions());
        await store.CreateAsync(Examples.ConfigMap("a"));
        var changes = Channel.CreateUnbounded<string>();
        var informer = new Informer(ResourceKinds.ConfigMap, null, (o, n) => changes.Writer.TryWrite(Describe(o, n)), TimeProvider.System, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(store, stop.Token);

        await informer.Synced.WaitAsync(Patience);
        await store.CreateAsync(Examples.ConfigMap("b"));
        await store.UpdateAsync(Examples.ConfigMap("a", value: "v2"));
        await store.DeleteAsync(new ObjectRef(ResourceKinds.ConfigMap, "default", "b"));
        var seen = new List<string>();
        for (var i = 0; i < 4; i++) seen.Add(await changes.Reader.ReadAsync().AsTask().WaitAsync(Patience));
        await stop.CancelAsync();
        await run.WaitAsync(Patience);

        Assert.Equal(["null -> a", "null -> b", "a -> a", "b -> null"], seen);
        Assert.Equal("v2", ((V1ConfigMap)informer.Get("default", "a")!).Data["key"]);
        Assert.Null(informer.Get("default", "b"));
        Assert.Equal(["a"], informer.ListAll().Select(o => o.Metadata.Name));
    }

    [Fact]
    public async Task RunAsync_WatchExpired_ListsAgainAndReportsOnlyDifferences()
    {
        var store = new ScriptedStore();
        store.Lists.Enqueue(new ListResult([Stored("a", 1), Stored("b", 2)], 2));
        store.Watches.Enqueue([new WatchEvent(WatchEventType.Expired, 0, null)]);
        store.Lists.Enqueue(new ListResult([Stored("a", 1), Stored("c", 7)], 7));
        var changes = Channel.CreateUnbounded<string>();
        var informer = new Informer(ResourceKinds.ConfigMap, null, (o, n) => changes.Writer.TryWrite(Describe(o, n)), TimeProvider.System, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(store, stop.Token);

        var seen = new List<string>();
        for (var i = 0; i < 4; i++) seen.Add(await changes.Reader.ReadAsync().AsTask().WaitAsync(Patience));
        await store.Idle.Task.WaitAsync(Patience);
        await stop.CancelAsync();
        await run.WaitAsync(Patience);

        Assert.Equal(["null -> a", "null -> b", "b -> null", "null -> c"], seen);
        Assert.Equal(new long?[] { 2, 7 }, store.WatchedFrom);
        Assert.Equal(7, informer.Revision);
        Assert.Equal(["a", "c"], informer.ListAll().Select(o => o.Metadata.Name).Order());
    }

    [Fact]
    public async Task RunAsync_StreamEnds_ResumesAfterLastRevisionWithoutListing()
    {
        var store = new ScriptedStore();
        store.Lists.Enqueue(new ListResult([], 3));
        store.Watches.Enqueue([new WatchEvent(WatchEventType.Added, 5, Stored("a", 5))]);
        var informer = new Informer(ResourceKinds.ConfigMap, null, (_, _) => { }, TimeProvider.System, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(store, stop.Token);

        await store.Idle.Task.WaitAsync(Patience);
        await stop.CancelAsync();
        await run.WaitAsync(Patience);

        Assert.Equal(new long?[] { 3, 5 }, store.WatchedFrom);
        Assert.Equal(5, informer.Revision);
        Assert.Equal(1, store.ListCalls);
        Assert.NotNull(informer.Get("default", "a"));
    }

    private static V1ConfigMap Stored(string name, long revision)
    {
        var map = Examples.ConfigMap(name);
        map.Metadata.ResourceVersion = revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return map;
    }

    private static string Describe(IKubernetesObject<V1ObjectMeta>? old, IKubernetesObject<V1ObjectMeta>? now) =>
        $"{old?.Metadata.Name ?? "null"} -> {now?.Metadata.Name ?? "null"}";

    /// <summary>
    /// A store that answers lists and watches from a script; once the script runs out, a watch waits
    /// until cancelled and <see cref="Idle"/> completes.
    /// </summary>
    private sealed class ScriptedStore : IResourceStore
    {
        public Queue<ListResult> Lists { get; } = new();
        public Queue<WatchEvent[]> Watches { get; } = new();
        public List<long?> WatchedFrom { get; } = [];
        public int ListCalls { get; private set; }
        public TaskCompletionSource Idle { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask<ListResult> ListAsync(ListQuery query, CancellationToken cancellationToken = default)
        {
            ListCalls++;
            return ValueTask.FromResult(Lists.Dequeue());
        }

        public async IAsyncEnumerable<WatchEvent> WatchAsync(WatchQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            WatchedFrom.Add(query.FromRevision);
            if (Watches.TryDequeue(out var events))
            {
                foreach (var e in events) yield return e;
                yield break;
            }
            Idle.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        public ValueTask<long> GetRevisionAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public ValueTask<IKubernetesObject<V1ObjectMeta>?> GetAsync(ObjectRef key, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public ValueTask<WriteResult> CreateAsync(IKubernetesObject<V1ObjectMeta> obj, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public ValueTask<WriteResult> UpdateAsync(IKubernetesObject<V1ObjectMeta> obj, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public ValueTask<WriteResult> DeleteAsync(ObjectRef key, string? expectedResourceVersion = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public ValueTask<TransactionResult> CommitAsync(IReadOnlyList<StoreOperation> operations, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
