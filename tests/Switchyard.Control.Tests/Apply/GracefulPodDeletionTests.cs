using k8s.Models;
using Switchyard.Control.Apply;
using Switchyard.Model.Resources;
using Switchyard.Store.Memory;

namespace Switchyard.Control.Tests.Apply;

public sealed class GracefulPodDeletionTests
{
    private readonly InMemoryResourceStore _store = new();
    private readonly ApplyService _apply;

    public GracefulPodDeletionTests() => _apply = new ApplyService(_store, []);

    private static readonly ObjectRef Web = new(ResourceKinds.Pod, "default", "web");

    private async Task CreatePodAsync(string? nodeName, string? phase)
    {
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
            Spec = new V1PodSpec { NodeName = nodeName, TerminationGracePeriodSeconds = 20, Containers = [new V1Container { Name = "main", Image = "x" }] },
            Status = phase is null ? null : new V1PodStatus { Phase = phase },
        };
        Assert.True((await _store.CreateAsync(pod)).Ok);
    }

    [Fact]
    public async Task Delete_RunningBoundPod_MarkedTerminating_NotRemoved()
    {
        await CreatePodAsync("local", "Running");

        var result = await _apply.DeleteOneAsync(Web, null, ApplyOptions.Default, CancellationToken.None);

        Assert.True(result.Ok);
        var stored = (V1Pod)(await _store.GetAsync(Web))!;
        Assert.NotNull(stored.Metadata.DeletionTimestamp);
        Assert.Equal(20, stored.Metadata.DeletionGracePeriodSeconds);

        var again = await _apply.DeleteOneAsync(Web, null, ApplyOptions.Default, CancellationToken.None);
        Assert.True(again.Ok);
        Assert.Equal(stored.Metadata.ResourceVersion, (await _store.GetAsync(Web))!.Metadata.ResourceVersion);

        var forced = await _apply.DeleteAsync([Web], new ApplyOptions { GracePeriodSeconds = 0 }, CancellationToken.None);
        Assert.True(forced.Ok);
        Assert.Null(await _store.GetAsync(Web));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("local", "Succeeded")]
    [InlineData("local", "Failed")]
    public async Task Delete_UnboundOrFinishedPod_RemovedAtOnce(string? nodeName, string? phase)
    {
        await CreatePodAsync(nodeName, phase);

        var result = await _apply.DeleteAsync([Web], ApplyOptions.Default, CancellationToken.None);

        Assert.True(result.Ok);
        Assert.Null(await _store.GetAsync(Web));
    }

    [Fact]
    public async Task Apply_TerminatingBoundPod_KeepsDeletionAndBinding()
    {
        await CreatePodAsync("local", "Running");
        await _apply.DeleteOneAsync(Web, null, ApplyOptions.Default, CancellationToken.None);
        var manifest = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["v"] = "2" } },
            Spec = new V1PodSpec { TerminationGracePeriodSeconds = 20, Containers = [new V1Container { Name = "main", Image = "x" }] },
        };

        var applied = await _apply.ApplyAsync([manifest], ApplyOptions.Default, CancellationToken.None);

        Assert.True(applied.Ok);
        var stored = (V1Pod)(await _store.GetAsync(Web))!;
        Assert.NotNull(stored.Metadata.DeletionTimestamp);
        Assert.Equal("local", stored.Spec.NodeName);
        Assert.Equal("Running", stored.Status.Phase);
    }
}
