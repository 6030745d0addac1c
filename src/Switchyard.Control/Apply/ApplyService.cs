using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Control.Admission;
using Switchyard.Model.Resources;
using Switchyard.Model.Validation;
using Switchyard.Store;

namespace Switchyard.Control.Apply;

/// <summary>
/// The write path of the control plane, shared by the REST API and by <c>switchyard up -f</c>:
/// defaults, validation, namespace existence, the admission chain, and one store transaction.
/// <para>
/// Apply has upsert semantics: an object that does not exist is created; one that exists is replaced
/// unconditionally by the applied object, except that the server keeps what it owns (uid,
/// creationTimestamp, generation) and the existing <c>status</c> when the applied object has none.
/// An object whose stored form would not change is reported <see cref="ApplyAction.Unchanged"/> and
/// not written. If any object has any error, nothing is written and every error is reported.
/// </para>
/// A write that loses a race with another writer (its object changed between read and commit) is
/// retried from the start, a few times, so callers do not see conflicts they did not ask for.
/// </summary>
public sealed partial class ApplyService
{
    private const int MaxAttempts = 5;

    private readonly IResourceStore _store;
    private readonly IReadOnlyList<IAdmissionPlugin> _plugins;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public ApplyService(IResourceStore store, IEnumerable<IAdmissionPlugin> admissionPlugins, ILogger<ApplyService>? logger = null, TimeProvider? timeProvider = null)
    {
        _store = store;
        _time = timeProvider ?? TimeProvider.System;
        _plugins = [.. admissionPlugins];
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public IResourceStore Store => _store;

    /// <summary>Applies every object in one transaction, or none of them.</summary>
    public async ValueTask<ApplyResult> ApplyAsync(
        IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects, ApplyOptions options, CancellationToken cancellationToken)
    {
        var batch = new ApplyBatch(objects.Count);
        var seen = new Dictionary<ObjectRef, int>();
        for (var i = 0; i < objects.Count; i++)
        {
            var (obj, r, errors) = ObjectPreparation.Prepare(objects[i], options);
            batch.Objects[i] = obj;
            batch.Refs[i] = r;
            batch.ValidationErrors[i] = [.. errors];
            if (r.Name.Length > 0 && !seen.TryAdd(r, i))
            {
                batch.ValidationErrors[i].Add(new FieldError("metadata.name", $"Duplicate value: {r} appears more than once in this apply"));
            }
        }
        for (var attempt = 1; ; attempt++)
        {
            var (result, raced) = await TryApplyAsync(batch, options, lastAttempt: attempt == MaxAttempts, cancellationToken);
            if (!raced) return result!;
            _logger.LogDebug("apply raced with another writer; retrying (attempt {Attempt})", attempt + 1);
        }
    }

    private async ValueTask<(ApplyResult? Result, bool Raced)> TryApplyAsync(
        ApplyBatch batch, ApplyOptions options, bool lastAttempt, CancellationToken cancellationToken)
    {
        var n = batch.Objects.Length;
        var errors = batch.ValidationErrors.Select(e => new List<FieldError>(e)).ToArray();
        var existing = new IKubernetesObject<V1ObjectMeta>?[n];
        var candidates = new IKubernetesObject<V1ObjectMeta>?[n];
        var namespaces = new NamespaceLookup(_store, batch.Refs.Where(r => r.Kind == ResourceKinds.Namespace).Select(r => r.Name));
        var chain = new AdmissionChain(_plugins);
        try
        {
            foreach (var i in batch.CommitOrder())
            {
                var r = batch.Refs[i];
                if (r.Kind.Namespaced && r.Namespace is { Length: > 0 } ns && !await namespaces.ExistsAsync(ns, cancellationToken))
                {
                    errors[i].Add(new FieldError("metadata.namespace", NamespaceLookup.NotFoundMessage(ns)));
                }
                if (errors[i].Count > 0) continue;
                existing[i] = await _store.GetAsync(r, cancellationToken);
                var candidate = existing[i] is { } old
                    ? ObjectPreparation.MergeForUpdate(batch.Objects[i], old)
                    : ResourceJson.Clone(batch.Objects[i]);
                if (existing[i] is { } stamped) ObjectPreparation.KeepControllerAnnotations(candidate, stamped);
                if (existing[i] is null) ObjectPreparation.ClearServerOwned(candidate);
                var op = existing[i] is null ? AdmissionOperation.Create : AdmissionOperation.Update;
                errors[i].AddRange(await chain.AdmitAsync(op, candidate, existing[i], cancellationToken));
                candidates[i] = candidate;
            }
            if (errors.Any(e => e.Count > 0))
            {
                chain.Complete(committed: false);
                return (Refused(batch, errors, options), false);
            }

            var actions = new ApplyAction[n];
            var operations = new List<StoreOperation>();
            var operationIndex = new List<int>();
            foreach (var i in batch.CommitOrder())
            {
                actions[i] = existing[i] is not { } old ? ApplyAction.Created
                    : ObjectPreparation.SameContent(candidates[i]!, old) ? ApplyAction.Unchanged
                    : ApplyAction.Configured;
                if (actions[i] == ApplyAction.Unchanged) continue;
                operations.Add(actions[i] == ApplyAction.Created ? StoreOperation.Create(candidates[i]!) : StoreOperation.Update(candidates[i]!));
                operationIndex.Add(i);
            }

            if (options.DryRun || operations.Count == 0)
            {
                chain.Complete(committed: !options.DryRun);
                var revision = await _store.GetRevisionAsync(cancellationToken);
                return (Applied(batch, actions, i => actions[i] == ApplyAction.Unchanged ? existing[i]! : candidates[i]!, revision, options.DryRun), false);
            }

            var tx = await _store.CommitAsync(operations, cancellationToken);
            if (!tx.Committed)
            {
                chain.Complete(committed: false);
                var failed = tx.Results[^1];
                var index = operationIndex[tx.Failed!.Value];
                if (!lastAttempt && failed.Status is WriteStatus.Conflict or WriteStatus.AlreadyExists or WriteStatus.NotFound) return (null, true);
                errors[index].Add(new FieldError("", failed.Message ?? $"store refused the write: {failed.Status}"));
                return (Refused(batch, errors, options), false);
            }
            chain.Complete(committed: true);
            var stored = new IKubernetesObject<V1ObjectMeta>[n];
            for (var k = 0; k < operationIndex.Count; k++) stored[operationIndex[k]] = tx.Results[k].Object!;
            _logger.LogInformation("applied {Count} objects at revision {Revision}", operations.Count, tx.Revision);
            return (Applied(batch, actions, i => stored[i] ?? existing[i]!, tx.Revision, dryRun: false), false);
        }
        catch
        {
            chain.Complete(committed: false);
            throw;
        }
    }

    private static ApplyResult Applied(ApplyBatch batch, ApplyAction[] actions, Func<int, IKubernetesObject<V1ObjectMeta>> objectAt, long revision, bool dryRun)
    {
        var items = new AppliedObject[batch.Objects.Length];
        for (var i = 0; i < items.Length; i++) items[i] = new AppliedObject(batch.Refs[i], actions[i], objectAt(i));
        return new ApplyResult(items, [], revision, dryRun);
    }

    private static ApplyResult Refused(ApplyBatch batch, List<FieldError>[] errors, ApplyOptions options)
    {
        var list = new List<ObjectErrors>();
        for (var i = 0; i < errors.Length; i++)
        {
            if (errors[i].Count > 0) list.Add(new ObjectErrors(batch.Refs[i], errors[i]));
        }
        return new ApplyResult([], list, 0, options.DryRun);
    }

    /// <summary>The prepared objects of one apply, kept across retries.</summary>
    private sealed class ApplyBatch(int count)
    {
        public IKubernetesObject<V1ObjectMeta>[] Objects { get; } = new IKubernetesObject<V1ObjectMeta>[count];
        public ObjectRef[] Refs { get; } = new ObjectRef[count];
        public List<FieldError>[] ValidationErrors { get; } = new List<FieldError>[count];

        /// <summary>Input indices in the order objects are written: by kind (namespaces and classes first), then input order.</summary>
        public IEnumerable<int> CommitOrder() =>
            Enumerable.Range(0, Refs.Length).OrderBy(i => KindOrder(Refs[i].Kind)).ThenBy(i => i);
    }

    internal static int KindOrder(ResourceKind kind)
    {
        for (var i = 0; i < ResourceKinds.All.Count; i++)
        {
            if (ResourceKinds.All[i] == kind) return i;
        }
        return int.MaxValue;
    }
}
