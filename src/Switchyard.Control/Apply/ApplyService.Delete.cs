using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Switchyard.Control.Admission;
using Switchyard.Model.Resources;
using Switchyard.Model.Validation;
using Switchyard.Store;

namespace Switchyard.Control.Apply;

/// <summary>
/// Deletes, through admission (so plugins release what they hold, such as a ClusterIP) and in one
/// transaction. Deleting a Namespace deletes everything in it in the same transaction (Kubernetes
/// does this asynchronously through a Terminating phase; here it is immediate). Namespaces
/// <c>default</c> and <c>kube-system</c> can never be deleted.
/// </summary>
public sealed partial class ApplyService
{
    /// <summary>Namespaces that may not be deleted, as in Kubernetes.</summary>
    public static readonly IReadOnlySet<string> ProtectedNamespaces = new HashSet<string>(["default", "kube-system"], StringComparer.Ordinal);

    /// <summary>
    /// Deletes every listed object that exists, in one transaction. Objects that do not exist are
    /// reported <see cref="DeleteAction.NotFound"/>; any error (admission, a protected namespace) deletes nothing.
    /// </summary>
    public async ValueTask<DeleteResult> DeleteAsync(IReadOnlyList<ObjectRef> refs, ApplyOptions options, CancellationToken cancellationToken)
    {
        var requested = refs.Distinct().ToList();
        for (var attempt = 1; ; attempt++)
        {
            var chain = new AdmissionChain(_plugins);
            var committed = false;
            try
            {
                var items = new List<DeletedObject>();
                var errors = new List<ObjectErrors>();
                var plan = new DeletePlan();
                foreach (var r in requested)
                {
                    var existing = await _store.GetAsync(r, cancellationToken);
                    items.Add(new DeletedObject(r, existing is null ? DeleteAction.NotFound : DeleteAction.Deleted, existing));
                    if (existing is null) continue;
                    var refused = await PlanDeleteAsync(plan, r, existing, chain, options, cancellationToken);
                    if (refused.Count > 0) errors.Add(new ObjectErrors(r, refused));
                }
                if (errors.Count > 0) return new DeleteResult([], [], errors, 0, options.DryRun);
                var cascaded = plan.Refs.Where(r => !requested.Contains(r)).ToList();
                if (plan.Operations.Count == 0 || options.DryRun)
                {
                    return new DeleteResult(items, cascaded, [], await _store.GetRevisionAsync(cancellationToken), options.DryRun);
                }
                var tx = await _store.CommitAsync(plan.Ordered(), cancellationToken);
                committed = tx.Committed;
                if (!committed)
                {
                    if (attempt < MaxAttempts) continue;
                    var failed = tx.Results[^1];
                    var r = plan.Ordered()[tx.Failed!.Value].Key;
                    return new DeleteResult([], [], [new ObjectErrors(r, [new FieldError("", failed.Message ?? $"store refused the delete: {failed.Status}")])], 0, false);
                }
                _logger.LogInformation("deleted {Count} objects at revision {Revision}", plan.Operations.Count, tx.Revision);
                return new DeleteResult(items, cascaded, [], tx.Revision, false);
            }
            finally
            {
                chain.Complete(committed);
            }
        }
    }

    /// <summary>
    /// Deletes one object, optionally only if it still has <paramref name="expectedResourceVersion"/>.
    /// The result carries the object as it was before the delete.
    /// </summary>
    public async ValueTask<ObjectWriteResult> DeleteOneAsync(
        ObjectRef r, string? expectedResourceVersion, ApplyOptions options, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var existing = await _store.GetAsync(r, cancellationToken);
            if (existing is null) return ObjectWriteResult.NotFound(r);
            if (expectedResourceVersion is { Length: > 0 } && expectedResourceVersion != existing.Metadata.ResourceVersion) return Conflict(r);
            var chain = new AdmissionChain(_plugins);
            var committed = false;
            try
            {
                var plan = new DeletePlan();
                var refused = await PlanDeleteAsync(plan, r, existing, chain, options, cancellationToken);
                if (ProtectedNamespaces.Contains(r.Name) && r.Kind == ResourceKinds.Namespace)
                {
                    return new ObjectWriteResult(ObjectWriteStatus.Forbidden, null, refused, ProtectedMessage(r.Name));
                }
                if (refused.Count > 0) return ObjectWriteResult.Invalid(refused);
                if (options.DryRun || plan.Operations.Count == 0) return ObjectWriteResult.Success(existing);
                var tx = await _store.CommitAsync(plan.Ordered(), cancellationToken);
                committed = tx.Committed;
                if (committed) return ObjectWriteResult.Success(tx.Results[0].Object is V1Pod { Metadata.DeletionTimestamp: not null } marked ? marked : existing);
                var raced = expectedResourceVersion is null or "" && attempt < MaxAttempts;
                if (raced) continue;
                var failed = tx.Results[^1];
                return failed.Status == WriteStatus.NotFound ? ObjectWriteResult.NotFound(r) : Conflict(r);
            }
            finally
            {
                chain.Complete(committed);
            }
        }
    }

    /// <summary>Adds the delete of one object (and, for a namespace, of its contents) to the plan, admitting each.</summary>
    private async ValueTask<IReadOnlyList<FieldError>> PlanDeleteAsync(
        DeletePlan plan, ObjectRef r, IKubernetesObject<V1ObjectMeta> existing, AdmissionChain chain, ApplyOptions options, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        if (r.Kind == ResourceKinds.Namespace && ProtectedNamespaces.Contains(r.Name))
        {
            errors.Add(new FieldError("", ProtectedMessage(r.Name)));
            return errors;
        }
        switch (GracefulPodDeletion.Decide(existing, options))
        {
            case GracefulPodDeletion.Decision.AlreadyTerminating:
                return errors;
            case GracefulPodDeletion.Decision.MarkTerminating:
                plan.AddUpdate(r, GracefulPodDeletion.Mark((V1Pod)existing, options, _time));
                return errors;
        }
        if (!plan.Add(r, existing.Metadata.ResourceVersion)) return errors;
        errors.AddRange(await chain.AdmitAsync(AdmissionOperation.Delete, null, existing, cancellationToken));
        if (r.Kind != ResourceKinds.Namespace) return errors;
        var contents = await _store.ListAsync(new ListQuery(null, r.Name), cancellationToken);
        foreach (var item in contents.Items)
        {
            var itemRef = ObjectRef.Of(item);
            if (!itemRef.Kind.Namespaced || !plan.Add(itemRef, item.Metadata.ResourceVersion)) continue;
            foreach (var e in await chain.AdmitAsync(AdmissionOperation.Delete, null, item, cancellationToken))
            {
                errors.Add(e with { Message = $"{itemRef}: {e.Message}" });
            }
        }
        return errors;
    }

    private static string ProtectedMessage(string ns) => $"namespaces \"{ns}\" is forbidden: this namespace may not be deleted";

    /// <summary>The deletes of one transaction, each object once; namespaces last so their contents go first.</summary>
    private sealed class DeletePlan
    {
        private readonly Dictionary<ObjectRef, StoreOperation> _operations = [];

        public IReadOnlyCollection<StoreOperation> Operations => _operations.Values;
        public IEnumerable<ObjectRef> Refs => _operations.Keys;

        public bool Add(ObjectRef r, string? resourceVersion) => _operations.TryAdd(r, StoreOperation.Delete(r, resourceVersion));

        /// <summary>A conditional update instead of a delete (a Pod marked terminating keeps its resourceVersion as the precondition).</summary>
        public bool AddUpdate(ObjectRef r, IKubernetesObject<V1ObjectMeta> changed) => _operations.TryAdd(r, StoreOperation.Update(changed));

        public IReadOnlyList<StoreOperation> Ordered() =>
            [.. _operations.Values.OrderByDescending(o => KindOrder(o.Key.Kind))];
    }
}
