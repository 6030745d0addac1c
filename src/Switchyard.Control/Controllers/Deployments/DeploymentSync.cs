using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Switchyard.Model.Resources;
using Switchyard.Store;

namespace Switchyard.Control.Controllers.Deployments;

/// <summary>
/// One reconcile of one Deployment, from fresh reads of the store (never a possibly stale cache, so a
/// repeated sync cannot create pods twice): record the template in the revision history, plan one
/// rollout step, create and delete pods, then write the status and the revision annotation if they
/// changed. A missing Deployment has its pods and history removed (the garbage collection Kubernetes
/// does through owner references). Returns when to look again (minReadySeconds or the progress deadline).
/// </summary>
internal sealed class DeploymentSync(IResourceStore store, DeploymentOptions options, TimeProvider time, Random random, ILogger logger)
{
    private const int NameAttempts = 5;

    public async Task<TimeSpan?> SyncAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var deployment = await store.GetAsync(new ObjectRef(ResourceKinds.Deployment, ns, name), cancellationToken) as V1Deployment;
        var pods = (await store.ListAsync(new ListQuery(ResourceKinds.Pod, ns), cancellationToken)).Items
            .OfType<V1Pod>().Where(p => PodConditions.DeploymentOf(p) == name).ToList();
        if (deployment?.Spec is null)
        {
            await CollectGarbageAsync(ns, name, pods, now, cancellationToken);
            return null;
        }

        var uid = deployment.Metadata.Uid;
        foreach (var stray in pods.Where(p => PodConditions.ControllerOf(p)!.Uid != uid && PodConditions.IsActive(p)))
        {
            // Left behind by an earlier Deployment of the same name.
            await DeletePodAsync(stray, now, cancellationToken);
        }
        var mine = pods.Where(p => PodConditions.ControllerOf(p)!.Uid == uid).ToList();
        var spec = deployment.Spec;
        var hash = PodTemplateHash.Compute(spec.Template, deployment.Status?.CollisionCount);
        var revision = await RecordRevisionAsync(deployment, hash, now, cancellationToken);

        var active = mine.Where(PodConditions.IsActive).ToList();
        var newPods = active.Where(p => PodConditions.HashOf(p) == hash).ToList();
        var oldPods = active.Where(p => PodConditions.HashOf(p) != hash).ToList();
        var oldTerminating = mine.Count(p => PodConditions.IsTerminating(p) && PodConditions.HashOf(p) != hash);
        var plan = RolloutPlanner.Plan(spec, new DeploymentPods(newPods, oldPods, oldTerminating), now);

        var created = await CreatePodsAsync(deployment, hash, plan.Create, cancellationToken);
        var deleted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in plan.Delete)
        {
            if (await DeletePodAsync(pod, now, cancellationToken)) deleted.Add(pod.Metadata.Name);
        }
        if (created.Count > 0 || deleted.Count > 0)
        {
            logger.LogInformation("Deployment {Namespace}/{Name} revision {Revision}: created {Created} pods, deleted {Deleted}",
                ns, name, revision, created.Count, deleted.Count);
        }
        var newAfter = newPods.Where(p => !deleted.Contains(p.Metadata.Name)).Concat(created).ToList();
        var oldAfter = oldPods.Where(p => !deleted.Contains(p.Metadata.Name)).ToList();
        var revisionText = revision.ToString(CultureInfo.InvariantCulture);
        var newTemplate = PodConditions.ValueOf(deployment.Metadata.Annotations, DeploymentLabels.Revision) != revisionText;
        var status = DeploymentStatusCalculator.Compute(deployment, newAfter, oldAfter, created.Count + deleted.Count > 0, newTemplate, now);

        var written = await WriteStatusAsync(deployment, status, revisionText, cancellationToken);
        if (written is null) return TimeSpan.Zero; // lost a race: look again at once
        var deadline = DeploymentStatusCalculator.UntilDeadline(written, now);
        return Min(plan.RecheckAfter, deadline is { } d ? d + TimeSpan.FromMilliseconds(100) : null);
    }

    private async Task CollectGarbageAsync(string ns, string name, List<V1Pod> pods, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var pod in pods.Where(PodConditions.IsActive)) await DeletePodAsync(pod, now, cancellationToken);
        var key = new ObjectRef(ResourceKinds.ConfigMap, ns, DeploymentLabels.HistoryName(name));
        if (await store.GetAsync(key, cancellationToken) is V1ConfigMap history
            && PodConditions.ValueOf(history.Metadata.Labels, DeploymentLabels.HistoryOf) == name)
        {
            await store.DeleteAsync(key, history.Metadata.ResourceVersion, cancellationToken);
        }
    }

    /// <summary>Makes sure the current template has the highest revision in the history ConfigMap; returns that revision.</summary>
    private async Task<long> RecordRevisionAsync(V1Deployment deployment, string hash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ns = deployment.Metadata.NamespaceProperty;
        var name = deployment.Metadata.Name;
        var key = new ObjectRef(ResourceKinds.ConfigMap, ns, DeploymentLabels.HistoryName(name));
        var existing = await store.GetAsync(key, cancellationToken) as V1ConfigMap;
        if (existing is not null && PodConditions.ValueOf(existing.Metadata.Labels, DeploymentLabels.HistoryOf) != name)
        {
            throw new InvalidOperationException($"ConfigMap {ns}/{key.Name} exists but is not the rollout history of Deployment {name}; rename or delete it");
        }
        if (existing is not null && PodConditions.ControllerOf(existing)?.Uid is { } owner && owner != deployment.Metadata.Uid)
        {
            existing = null; // the history of an earlier Deployment of the same name: start over
        }
        var history = RevisionHistory.Parse(existing?.Data);
        var changeCause = PodConditions.ValueOf(deployment.Metadata.Annotations, DeploymentLabels.ChangeCause);
        var (entries, revision) = RevisionHistory.Record(history, hash, deployment.Spec.Template, changeCause, deployment.Spec.RevisionHistoryLimit ?? 10, now.UtcDateTime);
        if (ReferenceEquals(entries, history) && existing is not null) return revision;

        var configMap = new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new V1ObjectMeta
            {
                Name = key.Name,
                NamespaceProperty = ns,
                ResourceVersion = existing?.Metadata.ResourceVersion,
                Labels = new Dictionary<string, string> { [DeploymentLabels.HistoryOf] = name },
                OwnerReferences =
                [
                    new V1OwnerReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = name, Uid = deployment.Metadata.Uid, Controller = true },
                ],
            },
            Data = RevisionHistory.Serialize(entries),
        };
        var result = existing is null ? await store.CreateAsync(configMap, cancellationToken) : await store.UpdateAsync(configMap, cancellationToken);
        if (!result.Ok) throw new InvalidOperationException($"writing the rollout history of {ns}/{name} answered {result.Status}; retrying");
        return revision;
    }

    private async Task<List<V1Pod>> CreatePodsAsync(V1Deployment deployment, string hash, int count, CancellationToken cancellationToken)
    {
        var created = new List<V1Pod>();
        for (var i = 0; i < count; i++)
        {
            for (var attempt = 1; ; attempt++)
            {
                var pod = PodFactory.Build(deployment, hash, random);
                var result = await store.CreateAsync(pod, cancellationToken);
                if (result.Ok)
                {
                    created.Add((V1Pod)result.Object!);
                    break;
                }
                if (result.Status != WriteStatus.AlreadyExists || attempt == NameAttempts)
                {
                    throw new InvalidOperationException($"creating pod {pod.Metadata.Name} answered {result.Status}: {result.Message}");
                }
            }
        }
        return created;
    }

    /// <summary>
    /// Deletes a pod as the API server deletes one (graceful deletion): a pod a runtime has bound
    /// (<c>spec.nodeName</c> set) and that has not finished is marked terminating — deletionTimestamp set to
    /// now + grace period, deletionGracePeriodSeconds — and the runtime stops it (preStop, SIGTERM, SIGKILL)
    /// and removes the object; any other pod, or a grace period of 0, is removed at once.
    /// False if the pod changed or vanished meanwhile (the next sync sees it fresh).
    /// </summary>
    private async Task<bool> DeletePodAsync(V1Pod pod, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var grace = Math.Max(0, pod.Spec?.TerminationGracePeriodSeconds ?? options.DefaultGracePeriodSeconds);
        var bound = !string.IsNullOrEmpty(pod.Spec?.NodeName) && pod.Status?.Phase is not ("Succeeded" or "Failed");
        if (!bound || grace == 0)
        {
            var r = await store.DeleteAsync(ObjectRef.Of(pod), pod.Metadata.ResourceVersion, cancellationToken);
            return r.Ok;
        }
        var copy = ResourceJson.Clone(pod);
        var second = new DateTime(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        copy.Metadata.DeletionTimestamp = second.AddSeconds(grace);
        copy.Metadata.DeletionGracePeriodSeconds = grace;
        var result = await store.UpdateAsync(copy, cancellationToken);
        return result.Ok;
    }

    /// <summary>Writes status and revision annotation if either changed; returns the Deployment as stored, or null on a conflict.</summary>
    private async Task<V1Deployment?> WriteStatusAsync(V1Deployment deployment, V1DeploymentStatus status, string revision, CancellationToken cancellationToken)
    {
        var sameStatus = deployment.Status is not null && JsonNode.DeepEquals(
            JsonSerializer.SerializeToNode(deployment.Status, ResourceJson.Info<V1DeploymentStatus>()), JsonSerializer.SerializeToNode(status, ResourceJson.Info<V1DeploymentStatus>()));
        var sameRevision = PodConditions.ValueOf(deployment.Metadata.Annotations, DeploymentLabels.Revision) == revision;
        if (sameStatus && sameRevision) return deployment;
        deployment.Status = status;
        deployment.Metadata.Annotations ??= new Dictionary<string, string>();
        deployment.Metadata.Annotations[DeploymentLabels.Revision] = revision;
        var result = await store.UpdateAsync(deployment, cancellationToken);
        if (result.Ok) return (V1Deployment)result.Object!;
        if (result.Status is WriteStatus.Conflict or WriteStatus.NotFound) return null;
        throw new InvalidOperationException($"writing the status of Deployment {deployment.Metadata.NamespaceProperty}/{deployment.Metadata.Name} answered {result.Status}: {result.Message}");
    }

    private static TimeSpan? Min(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;
}
