using k8s;
using k8s.Models;
using Switchyard.Model.Resources;

namespace Switchyard.Store;

/// <summary>
/// The one place every resource lives. Every change gets the next revision of a single
/// store-wide counter; an object's <c>metadata.resourceVersion</c> is the revision of its last change.
/// Writes are optimistic: an update or delete that names a resourceVersion succeeds only if it is
/// still current. Expected outcomes (not found, already exists, conflict) are values, not exceptions.
/// Objects returned are copies the caller owns, except the objects in <see cref="WatchEvent"/>s,
/// which are shared by all watchers and must be treated as read-only.
/// </summary>
public interface IResourceStore : IAsyncDisposable
{
    /// <summary>The latest revision committed.</summary>
    ValueTask<long> GetRevisionAsync(CancellationToken cancellationToken = default);

    ValueTask<IKubernetesObject<V1ObjectMeta>?> GetAsync(ObjectRef key, CancellationToken cancellationToken = default);

    /// <summary>Lists objects of one kind (or all kinds), consistent as of the returned revision, sorted by namespace then name.</summary>
    ValueTask<ListResult> ListAsync(ListQuery query, CancellationToken cancellationToken = default);

    /// <summary>Creates an object. Sets uid, resourceVersion, generation (1) and creationTimestamp.</summary>
    ValueTask<WriteResult> CreateAsync(IKubernetesObject<V1ObjectMeta> obj, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces an object. If <c>metadata.resourceVersion</c> is set it must equal the stored one,
    /// else the result is <see cref="WriteStatus.Conflict"/>; if it is empty the update is unconditional.
    /// uid and creationTimestamp are kept; generation increases when anything but metadata and status changes.
    /// </summary>
    ValueTask<WriteResult> UpdateAsync(IKubernetesObject<V1ObjectMeta> obj, CancellationToken cancellationToken = default);

    /// <summary>Deletes an object, optionally only if it still has <paramref name="expectedResourceVersion"/>.</summary>
    ValueTask<WriteResult> DeleteAsync(ObjectRef key, string? expectedResourceVersion = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs several writes as one transaction: all of them commit, each with its own revision and in
    /// order, or none does. The first failing operation's result explains why nothing was written.
    /// </summary>
    ValueTask<TransactionResult> CommitAsync(IReadOnlyList<StoreOperation> operations, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams changes after <see cref="WatchQuery.FromRevision"/> in revision order, each exactly once.
    /// Without a revision, it first sends the current matching objects as <see cref="WatchEventType.Added"/>.
    /// If the revision has been compacted away, the stream yields one <see cref="WatchEventType.Expired"/>
    /// event and ends: the watcher must list again and watch from the list's revision.
    /// </summary>
    IAsyncEnumerable<WatchEvent> WatchAsync(WatchQuery query, CancellationToken cancellationToken = default);
}
