using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Switchyard.Control.Controllers.Deployments;
using Switchyard.Model.Resources;
using Switchyard.Store;
using static Switchyard.Control.Tests.Controllers.Deployments.DeploymentTestKit;
using WatchEventType = Switchyard.Store.WatchEventType;

namespace Switchyard.Control.Tests.Controllers.Deployments;

public sealed class DeploymentControllerTests
{
    [Fact]
    public async Task Run_NewDeployment_CreatesNamedOwnedPodsAndStatus()
    {
        await using var kit = new DeploymentTestKit();
        await kit.CreateAsync(Deployment("web", 3));

        var pods = await kit.WaitForPodsAsync("web", p => p.Count == 3, "three pods");
        var deployment = await kit.GetDeploymentAsync("web");
        var hash = PodTemplateHash.Compute(deployment.Spec.Template);
        Assert.All(pods, p =>
        {
            Assert.Matches($"^web-{hash}-[bcdfghjklmnpqrstvwxz2456789]{{5}}$", p.Metadata.Name);
            Assert.Equal(hash, p.Metadata.Labels["pod-template-hash"]);
            Assert.Equal("v1", p.Metadata.Labels["version"]);
            var owner = Assert.Single(p.Metadata.OwnerReferences);
            Assert.Equal(("apps/v1", "Deployment", "web", deployment.Metadata.Uid, true), (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid, owner.Controller));
            Assert.Equal(["demo", "v1"], p.Spec.Containers[0].Command);
        });
        deployment = await kit.WaitForDeploymentAsync("web", d => d.Status?.Replicas == 3, "status with 3 replicas");
        Assert.Equal("1", deployment.Metadata.Annotations[DeploymentLabels.Revision]);
        Assert.Equal((3, 0, 0, 3), (deployment.Status.UpdatedReplicas, deployment.Status.ReadyReplicas ?? 0, deployment.Status.AvailableReplicas ?? 0, deployment.Status.UnavailableReplicas));
        Assert.Equal(deployment.Metadata.Generation, deployment.Status.ObservedGeneration);
        Assert.Equal(("False", "MinimumReplicasUnavailable"), (Condition(deployment, "Available")!.Status, Condition(deployment, "Available")!.Reason));
        Assert.Equal(("True", "ReplicaSetUpdated"), (Condition(deployment, "Progressing")!.Status, Condition(deployment, "Progressing")!.Reason));
    }

    [Fact]
    public async Task Run_PodsBecomeReady_DeploymentCompletes()
    {
        await using var kit = new DeploymentTestKit();
        await kit.CreateAsync(Deployment("web", 2));
        var pods = await kit.WaitForPodsAsync("web", p => p.Count == 2, "two pods");
        foreach (var p in pods) await kit.SetReadyAsync(p.Metadata.Name);

        var deployment = await kit.WaitForDeploymentAsync("web", d => d.Status?.AvailableReplicas == 2, "two available replicas");

        Assert.Equal((2, 2, 2, 0), (deployment.Status.Replicas ?? 0, deployment.Status.ReadyReplicas ?? 0, deployment.Status.UpdatedReplicas ?? 0, deployment.Status.UnavailableReplicas ?? 0));
        Assert.Equal(("True", "MinimumReplicasAvailable"), (Condition(deployment, "Available")!.Status, Condition(deployment, "Available")!.Reason));
        Assert.Equal(("True", "NewReplicaSetAvailable"), (Condition(deployment, "Progressing")!.Status, Condition(deployment, "Progressing")!.Reason));
        var history = (V1ConfigMap)(await kit.Store.GetAsync(new ObjectRef(ResourceKinds.ConfigMap, "default", "web.rollout-history")))!;
        var entry = Assert.Single(RevisionHistory.Parse(history.Data));
        Assert.Equal((1L, PodTemplateHash.Compute(deployment.Spec.Template)), (entry.Revision, entry.PodTemplateHash));
        Assert.Equal("v1", entry.Template.Metadata.Labels["version"]);
    }

    [Theory]
    [InlineData("1", "0")]
    [InlineData("0", "1")]
    [InlineData("25%", "25%")]
    [InlineData("2", "1")]
    public async Task Run_RollingUpdate_KeepsAvailabilityAndSurgeBounds(string maxSurge, string maxUnavailable)
    {
        await using var kit = new DeploymentTestKit();
        const int replicas = 4;
        var surge = RolloutMath.Scaled(maxSurge, replicas, roundUp: true);
        var unavailable = RolloutMath.Scaled(maxUnavailable, replicas, roundUp: false);
        await kit.CreateAsync(Deployment("web", replicas, maxSurge: maxSurge, maxUnavailable: maxUnavailable));
        _ = kit.RunFakeRuntimeAsync("web");
        await kit.WaitForDeploymentAsync("web", d => Condition(d, "Progressing")?.Reason == "NewReplicaSetAvailable", "first rollout to complete");

        var start = await kit.Store.GetRevisionAsync();
        var pods = (await kit.PodsAsync("web")).ToDictionary(p => p.Metadata.Name);
        var violations = new List<string>();
        using var watchStop = new CancellationTokenSource();
        var watch = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in kit.Store.WatchAsync(new WatchQuery(ResourceKinds.Pod, "default", null, start), watchStop.Token))
                {
                    if (e.Object is not V1Pod pod) continue;
                    if (e.Type == WatchEventType.Deleted) pods.Remove(pod.Metadata.Name);
                    else pods[pod.Metadata.Name] = pod;
                    var active = pods.Values.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
                    var available = active.Count(p => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true);
                    if (available < replicas - unavailable) violations.Add($"revision {e.Revision}: {available} available");
                    if (active.Count > replicas + surge) violations.Add($"revision {e.Revision}: {active.Count} pods");
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        await kit.UpdateAsync<V1Deployment>("web", d => d.Spec.Template.Metadata.Labels["version"] = "v2");
        var done = await kit.WaitForDeploymentAsync("web",
            d => Revision(d) == "2" && Condition(d, "Progressing")?.Reason == "NewReplicaSetAvailable",
            "the v2 rollout to complete");
        var final = await kit.WaitForPodsAsync("web", p => p.Count == replicas && p.All(x => x.Metadata.Labels["version"] == "v2"), "only v2 pods");
        await watchStop.CancelAsync();
        await watch;

        Assert.Empty(violations);
        Assert.Equal((replicas, replicas, replicas), (done.Status.UpdatedReplicas ?? 0, done.Status.AvailableReplicas ?? 0, done.Status.Replicas ?? 0));
        Assert.All(final, p => Assert.Equal(PodTemplateHash.Compute(done.Spec.Template), p.Metadata.Labels["pod-template-hash"]));
    }

    [Fact]
    public async Task Run_Recreate_DeletesEveryOldPodBeforeCreatingNewOnes()
    {
        await using var kit = new DeploymentTestKit();
        await kit.CreateAsync(Deployment("web", 3, strategy: "Recreate"));
        _ = kit.RunFakeRuntimeAsync("web");
        await kit.WaitForDeploymentAsync("web", d => Condition(d, "Progressing")?.Reason == "NewReplicaSetAvailable", "first rollout");
        var start = await kit.Store.GetRevisionAsync();
        var mixed = false;
        var pods = (await kit.PodsAsync("web")).ToDictionary(p => p.Metadata.Name);
        using var watchStop = new CancellationTokenSource();
        var watch = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in kit.Store.WatchAsync(new WatchQuery(ResourceKinds.Pod, "default", null, start), watchStop.Token))
                {
                    if (e.Object is not V1Pod pod) continue;
                    if (e.Type == WatchEventType.Deleted) pods.Remove(pod.Metadata.Name);
                    else pods[pod.Metadata.Name] = pod;
                    var versions = pods.Values.Select(p => p.Metadata.Labels["version"]).Distinct().Count();
                    if (versions > 1) mixed = true;
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        await kit.UpdateAsync<V1Deployment>("web", d => d.Spec.Template.Metadata.Labels["version"] = "v2");
        await kit.WaitForPodsAsync("web", p => p.Count == 3 && p.All(x => x.Metadata.Labels["version"] == "v2" && x.Status is not null), "three ready v2 pods");
        await watchStop.CancelAsync();
        await watch;

        Assert.False(mixed, "old and new pods existed at the same time");
    }

    [Fact]
    public async Task Run_ScaleDown_RemovesNotReadyPodsFirst()
    {
        await using var kit = new DeploymentTestKit();
        await kit.CreateAsync(Deployment("web", 3));
        var pods = await kit.WaitForPodsAsync("web", p => p.Count == 3, "three pods");
        await kit.SetReadyAsync(pods[0].Metadata.Name);
        await kit.SetReadyAsync(pods[1].Metadata.Name);

        await kit.UpdateAsync<V1Deployment>("web", d => d.Spec.Replicas = 2);

        var left = await kit.WaitForPodsAsync("web", p => p.Count == 2, "two pods");
        Assert.Equal(new[] { pods[0].Metadata.Name, pods[1].Metadata.Name }.Order(), left.Select(p => p.Metadata.Name).Order());
        var d = await kit.WaitForDeploymentAsync("web", d => d.Status?.Replicas == 2 && d.Status.AvailableReplicas == 2, "status of two");
        Assert.Equal("NewReplicaSetAvailable", Condition(d, "Progressing")!.Reason);
    }

    [Fact]
    public async Task Run_RunningPodToDelete_IsMarkedTerminatingNotRemoved()
    {
        await using var kit = new DeploymentTestKit();
        var spec = Deployment("web", 1);
        spec.Spec.Template.Spec.TerminationGracePeriodSeconds = 7;
        await kit.CreateAsync(spec);
        var pod = (await kit.WaitForPodsAsync("web", p => p.Count == 1, "one pod"))[0];
        await kit.SetReadyAsync(pod.Metadata.Name);

        await kit.UpdateAsync<V1Deployment>("web", d => d.Spec.Replicas = 0);

        var marked = await kit.WaitForPodsAsync("web", p => p.Count == 1 && p[0].Metadata.DeletionTimestamp is not null, "the pod to be marked terminating");
        Assert.Equal(7, marked[0].Metadata.DeletionGracePeriodSeconds);
        var d = await kit.WaitForDeploymentAsync("web", d => d.Status?.Replicas == 0, "no replicas counted");
        Assert.Equal(0, d.Status.AvailableReplicas ?? 0);
    }

    [Fact]
    public async Task Run_TemplateChangesAndRollback_KeepsRevisionHistory()
    {
        await using var kit = new DeploymentTestKit();
        await kit.CreateAsync(Deployment("web", 1));
        _ = kit.RunFakeRuntimeAsync("web");
        await WaitRevisionAsync(kit, "1");
        await kit.UpdateAsync<V1Deployment>("web", d => d.Spec.Template.Metadata.Labels["version"] = "v2");
        await WaitRevisionAsync(kit, "2");
        await kit.UpdateAsync<V1Deployment>("web", d => d.Spec.Template.Metadata.Labels["version"] = "v1");

        await WaitRevisionAsync(kit, "3");

        var history = (V1ConfigMap)(await kit.Store.GetAsync(new ObjectRef(ResourceKinds.ConfigMap, "default", "web.rollout-history")))!;
        var entries = RevisionHistory.Parse(history.Data);
        Assert.Equal([2L, 3L], entries.Select(e => e.Revision));
        Assert.Equal(["v2", "v1"], entries.Select(e => e.Template.Metadata.Labels["version"]));
        await kit.WaitForPodsAsync("web", p => p.Count == 1 && p[0].Metadata.Labels["version"] == "v1", "a v1 pod again");
    }

    [Fact]
    public async Task Run_DeploymentDeleted_RemovesPodsAndHistory()
    {
        await using var kit = new DeploymentTestKit();
        await kit.CreateAsync(Deployment("web", 2));
        await kit.WaitForPodsAsync("web", p => p.Count == 2, "two pods");
        await WaitRevisionAsync(kit, "1");

        await kit.Store.DeleteAsync(new ObjectRef(ResourceKinds.Deployment, "default", "web"));

        await kit.WaitForPodsAsync("web", p => p.Count == 0, "no pods");
        await kit.WaitForAsync(() => kit.Store.GetAsync(new ObjectRef(ResourceKinds.ConfigMap, "default", "web.rollout-history")).AsTask(), c => c is null, "history removed");
    }

    [Fact]
    public async Task Run_MinReadySeconds_CountsAvailableOnlyAfterTheWait()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var kit = new DeploymentTestKit(time);
        await kit.CreateAsync(Deployment("web", 2, minReadySeconds: 10));
        var pods = await kit.WaitForPodsAsync("web", p => p.Count == 2, "two pods");
        foreach (var p in pods) await kit.SetReadyAsync(p.Metadata.Name);
        var d = await kit.WaitForDeploymentAsync("web", d => d.Status?.ReadyReplicas == 2, "two ready");
        Assert.Equal(0, d.Status.AvailableReplicas ?? 0);

        time.Advance(TimeSpan.FromSeconds(11));

        d = await kit.WaitForDeploymentAsync("web", d => d.Status?.AvailableReplicas == 2, "two available after minReadySeconds");
        Assert.Equal("NewReplicaSetAvailable", Condition(d, "Progressing")!.Reason);
    }

    [Fact]
    public async Task Run_NoProgressPastDeadline_ReportsProgressDeadlineExceeded()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var kit = new DeploymentTestKit(time);
        await kit.CreateAsync(Deployment("web", 1, progressDeadlineSeconds: 30));
        await kit.WaitForDeploymentAsync("web", d => Condition(d, "Progressing")?.Reason == "ReplicaSetUpdated", "progressing");

        time.Advance(TimeSpan.FromSeconds(31));

        var d = await kit.WaitForDeploymentAsync("web", d => Condition(d, "Progressing")?.Reason == "ProgressDeadlineExceeded", "deadline exceeded");
        Assert.Equal("False", Condition(d, "Progressing")!.Status);
    }

    private static string? Revision(V1Deployment d) =>
        d.Metadata.Annotations is { } a && a.TryGetValue(DeploymentLabels.Revision, out var r) ? r : null;

    private static Task<V1Deployment> WaitRevisionAsync(DeploymentTestKit kit, string revision) =>
        kit.WaitForDeploymentAsync("web",
            d => Revision(d) == revision && Condition(d, "Progressing")?.Reason == "NewReplicaSetAvailable"
                || (revision == "1" && Revision(d) == "1"),
            $"revision {revision}");
}
