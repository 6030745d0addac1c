using k8s;
using k8s.Models;
using Switchyard.Model.Resources;
using Switchyard.Model.Selectors;

namespace Switchyard.Store;

/// <summary>What to list: a kind (null for every kind), a namespace (null for all), a label selector.</summary>
public sealed record ListQuery(ResourceKind? Kind, string? Namespace = null, Selector? LabelSelector = null);

public sealed record ListResult(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Items, long Revision);

/// <summary>
/// What to watch. <see cref="FromRevision"/> null: current state first, then changes; a number R:
/// every change with revision greater than R. With a label selector, an object that stops matching
/// is reported as Deleted and one that starts matching as Added, as Kubernetes does.
/// </summary>
public sealed record WatchQuery(ResourceKind? Kind, string? Namespace = null, Selector? LabelSelector = null, long? FromRevision = null);

public enum WatchEventType
{
    Added,
    Modified,
    Deleted,
    /// <summary>The requested revision is older than the oldest one kept; <see cref="WatchEvent.Revision"/> is the oldest available.</summary>
    Expired,
}

/// <summary>One change. <see cref="Object"/> is shared between watchers: do not mutate it. Null only for Expired.</summary>
public sealed record WatchEvent(WatchEventType Type, long Revision, IKubernetesObject<V1ObjectMeta>? Object);

public enum WriteStatus
{
    Ok,
    NotFound,
    AlreadyExists,
    Conflict,
}

/// <summary>The outcome of a write: on success the object as stored (a copy), otherwise why not.</summary>
public sealed record WriteResult(WriteStatus Status, IKubernetesObject<V1ObjectMeta>? Object, string? Message = null)
{
    public bool Ok => Status == WriteStatus.Ok;

    public static WriteResult Success(IKubernetesObject<V1ObjectMeta> obj) => new(WriteStatus.Ok, obj);
}

public enum OperationType
{
    Create,
    Update,
    /// <summary>Create if absent, otherwise update unconditionally (what <c>apply</c> does).</summary>
    Upsert,
    Delete,
}

/// <summary>One write in a transaction. For Delete only <see cref="Key"/> matters.</summary>
public sealed record StoreOperation(OperationType Type, IKubernetesObject<V1ObjectMeta>? Object, ObjectRef Key, string? ExpectedResourceVersion = null)
{
    public static StoreOperation Create(IKubernetesObject<V1ObjectMeta> obj) => new(OperationType.Create, obj, ObjectRef.Of(obj));
    public static StoreOperation Update(IKubernetesObject<V1ObjectMeta> obj) => new(OperationType.Update, obj, ObjectRef.Of(obj));
    public static StoreOperation Upsert(IKubernetesObject<V1ObjectMeta> obj) => new(OperationType.Upsert, obj, ObjectRef.Of(obj));
    public static StoreOperation Delete(ObjectRef key, string? expectedResourceVersion = null) => new(OperationType.Delete, null, key, expectedResourceVersion);
}

/// <summary>
/// All results in operation order when committed; when not, <see cref="Failed"/> is the index of the
/// operation that failed and <see cref="Results"/> holds just its result.
/// </summary>
public sealed record TransactionResult(IReadOnlyList<WriteResult> Results, int? Failed, long Revision)
{
    public bool Committed => Failed is null;
}
