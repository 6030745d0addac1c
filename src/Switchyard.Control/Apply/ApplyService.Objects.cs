using k8s;
using k8s.Models;
using Switchyard.Control.Admission;
using Switchyard.Model.Resources;
using Switchyard.Model.Validation;
using Switchyard.Store;

namespace Switchyard.Control.Apply;

/// <summary>Single-object create and update (the REST POST and PUT verbs), through the same pipeline as apply.</summary>
public sealed partial class ApplyService
{
    /// <summary>How often a create with <c>metadata.generateName</c> draws a new name after a clash (the API server's own figure).</summary>
    private const int GenerateNameAttempts = 8;

    /// <summary>
    /// Creates one object. Server-owned metadata in the input is ignored. Without a name, <c>metadata.generateName</c>
    /// plus five random characters names it (written into <paramref name="obj"/>), drawn again if that name is taken.
    /// </summary>
    public async ValueTask<ObjectWriteResult> CreateAsync(IKubernetesObject<V1ObjectMeta> obj, ApplyOptions options, CancellationToken cancellationToken)
    {
        if (obj.Metadata is not { Name: null or "", GenerateName: { Length: > 0 } prefix }) return await CreateOnceAsync(obj, options, cancellationToken);
        ObjectWriteResult result = null!;
        for (var attempt = 0; attempt < GenerateNameAttempts; attempt++)
        {
            obj.Metadata.Name = GeneratedNames.From(prefix);
            result = await CreateOnceAsync(obj, options, cancellationToken);
            if (result.Status != ObjectWriteStatus.AlreadyExists) return result;
        }
        return result;
    }

    private async ValueTask<ObjectWriteResult> CreateOnceAsync(IKubernetesObject<V1ObjectMeta> obj, ApplyOptions options, CancellationToken cancellationToken)
    {
        var (candidate, r, errors) = ObjectPreparation.Prepare(obj, options);
        ObjectPreparation.ClearServerOwned(candidate);
        if (errors.Count > 0) return ObjectWriteResult.Invalid(errors);
        if (r.Kind.Namespaced && !await new NamespaceLookup(_store, []).ExistsAsync(r.Namespace!, cancellationToken))
        {
            return ObjectWriteResult.NotFound(NamespaceLookup.RefOf(r.Namespace!));
        }
        var chain = new AdmissionChain(_plugins);
        var committed = false;
        try
        {
            var refused = await chain.AdmitAsync(AdmissionOperation.Create, candidate, null, cancellationToken);
            if (refused.Count > 0) return ObjectWriteResult.Invalid(refused);
            if (options.DryRun)
            {
                return await _store.GetAsync(r, cancellationToken) is null
                    ? ObjectWriteResult.Success(candidate)
                    : AlreadyExists(r);
            }
            var written = await _store.CreateAsync(candidate, cancellationToken);
            committed = written.Ok;
            return FromStore(written, r);
        }
        finally
        {
            chain.Complete(committed);
        }
    }

    /// <summary>
    /// Replaces one object. A resourceVersion (or uid) in the input must match the stored one, else
    /// the result is a conflict; without one the update is unconditional. Status is kept when the input has none.
    /// </summary>
    public async ValueTask<ObjectWriteResult> UpdateAsync(IKubernetesObject<V1ObjectMeta> obj, ApplyOptions options, CancellationToken cancellationToken)
    {
        var (prepared, r, errors) = ObjectPreparation.Prepare(obj, options);
        return await UpdateLoopAsync(r, prepared.Metadata.ResourceVersion, prepared.Metadata.Uid, existing =>
            errors.Count > 0 ? (null, errors) : (ObjectPreparation.MergeForUpdate(prepared, existing), []), options, cancellationToken);
    }

    /// <summary>
    /// Replaces only the <c>status</c> of one object (the REST <c>/status</c> subresource): everything
    /// else stays as stored. A resourceVersion in the input must match, as for <see cref="UpdateAsync"/>.
    /// </summary>
    public async ValueTask<ObjectWriteResult> UpdateStatusAsync(IKubernetesObject<V1ObjectMeta> obj, ApplyOptions options, CancellationToken cancellationToken)
    {
        var input = ResourceJson.Clone(obj);
        if (input.Metadata.NamespaceProperty is null or "" && options.DefaultNamespace is { } ns && ResourceKinds.Of(input).Namespaced)
        {
            input.Metadata.NamespaceProperty = ns;
        }
        var r = ObjectRef.Of(input);
        var status = ResourceJson.ToNode(input)["status"];
        return await UpdateLoopAsync(r, input.Metadata.ResourceVersion, input.Metadata.Uid, existing =>
        {
            var node = ResourceJson.ToNode(existing).AsObject();
            node["status"] = status?.DeepClone();
            var candidate = ResourceJson.Deserialize(r.Kind, node);
            var errors = ResourceValidation.Validate(candidate);
            return errors.Count > 0 ? (null, errors) : (candidate, []);
        }, options, cancellationToken);
    }

    private async ValueTask<ObjectWriteResult> UpdateLoopAsync(
        ObjectRef r,
        string? requestedVersion,
        string? requestedUid,
        Func<IKubernetesObject<V1ObjectMeta>, (IKubernetesObject<V1ObjectMeta>? Candidate, IReadOnlyList<FieldError> Errors)> build,
        ApplyOptions options,
        CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var existing = await _store.GetAsync(r, cancellationToken);
            if (existing is null) return ObjectWriteResult.NotFound(r);
            if (requestedVersion is { Length: > 0 } && requestedVersion != existing.Metadata.ResourceVersion) return Conflict(r);
            if (requestedUid is { Length: > 0 } && requestedUid != existing.Metadata.Uid)
            {
                return new ObjectWriteResult(ObjectWriteStatus.Conflict, null, [],
                    $"Precondition failed: UID in precondition: {requestedUid}, UID in object meta: {existing.Metadata.Uid}");
            }
            var (candidate, errors) = build(existing);
            if (candidate is null) return ObjectWriteResult.Invalid(errors);

            var chain = new AdmissionChain(_plugins);
            var committed = false;
            try
            {
                var refused = await chain.AdmitAsync(AdmissionOperation.Update, candidate, existing, cancellationToken);
                if (refused.Count > 0) return ObjectWriteResult.Invalid(refused);
                if (ObjectPreparation.SameContent(candidate, existing))
                {
                    committed = true; // the store already holds exactly what was admitted
                    return ObjectWriteResult.Success(existing, unchanged: true);
                }
                if (options.DryRun) return ObjectWriteResult.Success(candidate);
                var written = await _store.UpdateAsync(candidate, cancellationToken);
                committed = written.Ok;
                var raced = written.Status is WriteStatus.Conflict or WriteStatus.NotFound;
                if (raced && requestedVersion is null or "" && attempt < MaxAttempts) continue;
                return FromStore(written, r);
            }
            finally
            {
                chain.Complete(committed);
            }
        }
    }

    private static ObjectWriteResult FromStore(WriteResult written, ObjectRef r) => written.Status switch
    {
        WriteStatus.Ok => ObjectWriteResult.Success(written.Object!),
        WriteStatus.NotFound => ObjectWriteResult.NotFound(r),
        WriteStatus.AlreadyExists => AlreadyExists(r),
        WriteStatus.Conflict => Conflict(r),
        _ => throw new InvalidOperationException($"unexpected store status {written.Status}"),
    };

    private static ObjectWriteResult AlreadyExists(ObjectRef r) =>
        new(ObjectWriteStatus.AlreadyExists, null, [], $"{Resource(r.Kind)} \"{r.Name}\" already exists");

    private static ObjectWriteResult Conflict(ObjectRef r) =>
        new(ObjectWriteStatus.Conflict, null, [],
            $"Operation cannot be fulfilled on {Resource(r.Kind)} \"{r.Name}\": the object has been modified; please apply your changes to the latest version and try again");

    /// <summary>The resource name Kubernetes uses in messages: "services", "httproutes.gateway.networking.k8s.io".</summary>
    public static string Resource(ResourceKind kind) => kind.Group.Length == 0 ? kind.Plural : $"{kind.Plural}.{kind.Group}";
}
