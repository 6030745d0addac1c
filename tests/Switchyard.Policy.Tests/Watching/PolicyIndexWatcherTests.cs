using Switchyard.Policy.Watching;
using Switchyard.Store.Memory;

namespace Switchyard.Policy.Tests.Watching;

public sealed class PolicyIndexWatcherTests
{
    [Fact]
    public async Task RunAsync_PolicyCreatedThenDeleted_IndexFollowsTheStore()
    {
        await using var store = new InMemoryResourceStore();
        foreach (var o in TestCluster.Objects()) Assert.True((await store.CreateAsync(o)).Ok);
        var watcher = new PolicyIndexWatcher(store);
        var updates = System.Threading.Channels.Channel.CreateUnbounded<PolicyIndex>();
        watcher.Updated += i => updates.Writer.TryWrite(i);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = watcher.RunAsync(cts.Token);

        var first = await updates.Reader.ReadAsync(cts.Token);
        Assert.Equal(9, first.Pods.Count);
        Assert.True(first.Decide("y/a", "x/a", 80).Allowed);

        var policy = TestCluster.Yaml("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny, namespace: x}
            spec: {podSelector: {}}
            """)[0];
        var created = await store.CreateAsync(policy);
        Assert.True(created.Ok);
        var second = await updates.Reader.ReadAsync(cts.Token);
        Assert.False(second.Decide("y/a", "x/a", 80).Allowed);
        Assert.Same(second, watcher.Current);
        Assert.Equal(long.Parse(created.Object!.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture), second.Revision);

        Assert.True((await store.DeleteAsync(Model.Resources.ObjectRef.Of(created.Object))).Ok);
        var third = await updates.Reader.ReadAsync(cts.Token);
        Assert.True(third.Decide("y/a", "x/a", 80).Allowed);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }
}
