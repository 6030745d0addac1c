using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Switchyard.Model.Resources;

namespace Switchyard.Store.Core;

/// <summary>
/// The rules every store applies to a write, independent of where objects are kept: it checks
/// existence and resourceVersion preconditions, stamps uid, resourceVersion, generation and
/// creationTimestamp, and computes the events. It changes nothing itself; the store commits the plan.
/// </summary>
internal sealed class WritePlanner(ResourceStoreOptions options)
{
    /// <summary>Plans a transaction on top of <paramref name="current"/>, whose latest revision is <paramref name="revision"/>.</summary>
    public TransactionPlan Plan(IReadOnlyList<StoreOperation> operations, IObjectLookup current, long revision)
    {
        var state = new PendingState(current);
        var events = new List<StoreEvent>(operations.Count);
        var results = new WriteResult[operations.Count];
        var next = revision;
        for (var i = 0; i < operations.Count; i++)
        {
            var result = Apply(operations[i], state, ref next, events);
            if (!result.Ok) return TransactionPlan.Failure(result, i, revision);
            results[i] = result;
        }
        return TransactionPlan.Success(results, next, events, state.Changes);
    }

    private WriteResult Apply(StoreOperation op, PendingState state, ref long revision, List<StoreEvent> events) => op.Type switch
    {
        OperationType.Create => Create(Required(op), state, ref revision, events),
        OperationType.Update => Update(Required(op), state, ref revision, events, checkVersion: true),
        OperationType.Upsert => state.Find(KeyOf(Required(op))) is null
            ? Create(op.Object!, state, ref revision, events)
            : Update(op.Object!, state, ref revision, events, checkVersion: false),
        OperationType.Delete => Delete(op.Key, op.ExpectedResourceVersion, state, ref revision, events),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op.Type, "unknown operation type"),
    };

    private WriteResult Create(IKubernetesObject<V1ObjectMeta> obj, PendingState state, ref long revision, List<StoreEvent> events)
    {
        var (kind, key) = Identify(obj);
        if (state.Find(key) is not null) return new(WriteStatus.AlreadyExists, null, StoreMessages.AlreadyExists(Describe(kind, key)));

        var rev = revision + 1;
        var copy = ResourceJson.Clone(obj);
        var meta = copy.Metadata;
        meta.NamespaceProperty = kind.Namespaced ? key.Namespace : null;
        meta.Uid = options.NewUid().ToString();
        meta.ResourceVersion = Format(rev);
        meta.Generation = 1;
        meta.CreationTimestamp = Now();
        var json = ResourceJson.SerializeToUtf8(copy);
        var stored = StoredObject.From(kind, copy, rev, json);
        state.Set(key, stored);
        events.Add(new StoreEvent(WatchEventType.Added, kind, key, rev, json, stored.Labels));
        revision = rev;
        return WriteResult.Success(copy);
    }

    private WriteResult Update(IKubernetesObject<V1ObjectMeta> obj, PendingState state, ref long revision, List<StoreEvent> events, bool checkVersion)
    {
        var (kind, key) = Identify(obj);
        var existing = state.Find(key);
        if (existing is null) return new(WriteStatus.NotFound, null, StoreMessages.NotFound(Describe(kind, key)));
        var given = obj.Metadata.ResourceVersion;
        if (checkVersion && !string.IsNullOrEmpty(given) && given != Format(existing.Revision))
        {
            return new(WriteStatus.Conflict, null, StoreMessages.Stale(Describe(kind, key), given, existing.Revision));
        }
        var uid = obj.Metadata.Uid;
        if (!string.IsNullOrEmpty(uid) && uid != existing.Uid)
        {
            return new(WriteStatus.Conflict, null, StoreMessages.UidMismatch(Describe(kind, key), uid, existing.Uid));
        }

        var copy = ResourceJson.Clone(obj);
        var meta = copy.Metadata;
        meta.NamespaceProperty = kind.Namespaced ? key.Namespace : null;
        meta.Uid = existing.Uid;
        meta.CreationTimestamp = existing.CreationTimestamp;
        meta.ResourceVersion = Format(existing.Revision);
        meta.Generation = existing.Generation;
        var before = JsonNode.Parse(existing.Json)!.AsObject();
        var after = ResourceJson.ToNode(copy).AsObject();
        // Nothing changed: like Kubernetes, no new revision and no event.
        if (JsonNode.DeepEquals(before, after)) return WriteResult.Success(copy);

        var rev = revision + 1;
        meta.ResourceVersion = Format(rev);
        if (!SameExceptMetadataAndStatus(before, after)) meta.Generation = existing.Generation + 1;
        var json = ResourceJson.SerializeToUtf8(copy);
        var stored = StoredObject.From(kind, copy, rev, json);
        var labelsChanged = !SameLabels(existing.Labels, stored.Labels);
        state.Set(key, stored);
        events.Add(new StoreEvent(
            WatchEventType.Modified, kind, key, rev, json, stored.Labels,
            labelsChanged ? WithRevision(existing, rev).Json : null,
            labelsChanged ? existing.Labels : null));
        revision = rev;
        return WriteResult.Success(copy);
    }

    private static WriteResult Delete(ObjectRef target, string? expected, PendingState state, ref long revision, List<StoreEvent> events)
    {
        var key = StoreKey.From(target);
        var existing = state.Find(key);
        if (existing is null) return new(WriteStatus.NotFound, null, StoreMessages.NotFound(Describe(target.Kind, key)));
        if (!string.IsNullOrEmpty(expected) && expected != Format(existing.Revision))
        {
            return new(WriteStatus.Conflict, null, StoreMessages.Stale(Describe(target.Kind, key), expected, existing.Revision));
        }
        var rev = revision + 1;
        var (last, json) = WithRevision(existing, rev);
        state.Set(key, null);
        events.Add(new StoreEvent(WatchEventType.Deleted, existing.Kind, key, rev, json, existing.Labels));
        revision = rev;
        return WriteResult.Success(last);
    }

    private DateTime Now()
    {
        // Kubernetes timestamps have whole seconds; truncating keeps what we return equal to what we read back.
        var now = options.TimeProvider.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }

    private static IKubernetesObject<V1ObjectMeta> Required(StoreOperation op) =>
        op.Object ?? throw new ArgumentException($"{op.Type} of {op.Key} needs an object", nameof(op));

    private static StoreKey KeyOf(IKubernetesObject<V1ObjectMeta> obj) => Identify(obj).Key;

    private static (ResourceKind Kind, StoreKey Key) Identify(IKubernetesObject<V1ObjectMeta> obj)
    {
        var kind = ResourceKinds.Of(obj);
        var name = obj.Metadata?.Name;
        if (string.IsNullOrEmpty(name)) throw new ArgumentException($"{kind.Kind}: metadata.name is required", nameof(obj));
        return (kind, new StoreKey(kind.Key, StoreKey.NamespaceFor(kind, obj.Metadata!.NamespaceProperty), name));
    }

    private static string Describe(ResourceKind kind, StoreKey key) =>
        new ObjectRef(kind, kind.Namespaced ? key.Namespace : null, key.Name).ToString();

    private static string Format(long revision) => revision.ToString(CultureInfo.InvariantCulture);

    private static (IKubernetesObject<V1ObjectMeta> Object, byte[] Json) WithRevision(StoredObject stored, long revision)
    {
        var obj = stored.Decode();
        obj.Metadata.ResourceVersion = Format(revision);
        return (obj, ResourceJson.SerializeToUtf8(obj));
    }

    private static bool SameExceptMetadataAndStatus(JsonObject a, JsonObject b)
    {
        var counted = 0;
        foreach (var (name, value) in a)
        {
            if (name is "metadata" or "status") continue;
            if (!b.TryGetPropertyValue(name, out var other) || !JsonNode.DeepEquals(value, other)) return false;
            counted++;
        }
        var inB = b.Count(p => p.Key is not ("metadata" or "status"));
        return counted == inB;
    }

    private static bool SameLabels(IDictionary<string, string>? a, IDictionary<string, string>? b)
    {
        if (a is null || b is null) return a is null && b is null;
        if (a.Count != b.Count) return false;
        foreach (var (k, v) in a)
        {
            if (!b.TryGetValue(k, out var w) || w != v) return false;
        }
        return true;
    }
}
