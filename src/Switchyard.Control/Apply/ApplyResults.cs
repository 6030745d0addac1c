using k8s;
using k8s.Models;
using Switchyard.Model.Resources;
using Switchyard.Model.Validation;

namespace Switchyard.Control.Apply;

/// <summary>What an apply did (or, in a dry run, would do) to one object.</summary>
public enum ApplyAction
{
    /// <summary>The object did not exist and was created.</summary>
    Created,
    /// <summary>The object existed and was changed.</summary>
    Configured,
    /// <summary>The object existed and would not change apart from server-owned fields; nothing was written.</summary>
    Unchanged,
}

/// <summary>What a delete did to one requested object.</summary>
public enum DeleteAction
{
    Deleted,
    /// <summary>The object did not exist; nothing to delete.</summary>
    NotFound,
}

/// <summary>Every problem of one object: validation, admission or store errors, by field path.</summary>
public sealed record ObjectErrors(ObjectRef Ref, IReadOnlyList<FieldError> Errors);

/// <summary>One object of a successful apply: the object as stored (or as it would be stored in a dry run).</summary>
public sealed record AppliedObject(ObjectRef Ref, ApplyAction Action, IKubernetesObject<V1ObjectMeta> Object);

/// <summary>
/// The outcome of applying a set of objects: when <see cref="Ok"/>, every object in input order;
/// otherwise every error of every object, and nothing was written.
/// </summary>
public sealed record ApplyResult(IReadOnlyList<AppliedObject> Items, IReadOnlyList<ObjectErrors> Errors, long Revision, bool DryRun)
{
    public bool Ok => Errors.Count == 0;
}

/// <summary>One requested object of a delete. <see cref="Object"/> is the object as it was, null when not found.</summary>
public sealed record DeletedObject(ObjectRef Ref, DeleteAction Action, IKubernetesObject<V1ObjectMeta>? Object);

/// <summary>
/// The outcome of deleting a set of objects in one transaction: the requested objects in input order
/// (deleted or not found), or every error, and then nothing was deleted. <see cref="Cascaded"/> lists
/// the objects deleted because their namespace was.
/// </summary>
public sealed record DeleteResult(
    IReadOnlyList<DeletedObject> Items,
    IReadOnlyList<ObjectRef> Cascaded,
    IReadOnlyList<ObjectErrors> Errors,
    long Revision,
    bool DryRun)
{
    public bool Ok => Errors.Count == 0;
}

/// <summary>Why a single-object write (the REST verbs) did not happen.</summary>
public enum ObjectWriteStatus
{
    Ok,
    /// <summary>Validation or admission refused the object; see <see cref="ObjectWriteResult.Errors"/>.</summary>
    Invalid,
    /// <summary>The object, or the namespace it goes into, does not exist; see <see cref="ObjectWriteResult.Missing"/>.</summary>
    NotFound,
    AlreadyExists,
    /// <summary>The resourceVersion (or uid) the request named is not the stored one.</summary>
    Conflict,
    /// <summary>The operation is never allowed on this object (deleting namespace "default").</summary>
    Forbidden,
}

/// <summary>
/// The outcome of one REST write: the object as stored (for a delete, as it was) or why not.
/// <see cref="Unchanged"/> is true when an update would have changed nothing and so wrote nothing.
/// </summary>
public sealed record ObjectWriteResult(
    ObjectWriteStatus Status,
    IKubernetesObject<V1ObjectMeta>? Object,
    IReadOnlyList<FieldError> Errors,
    string? Message = null,
    ObjectRef? Missing = null,
    bool Unchanged = false)
{
    public bool Ok => Status == ObjectWriteStatus.Ok;

    internal static ObjectWriteResult Success(IKubernetesObject<V1ObjectMeta> obj, bool unchanged = false) =>
        new(ObjectWriteStatus.Ok, obj, [], Unchanged: unchanged);

    internal static ObjectWriteResult Invalid(IReadOnlyList<FieldError> errors) => new(ObjectWriteStatus.Invalid, null, errors);

    internal static ObjectWriteResult NotFound(ObjectRef missing) =>
        new(ObjectWriteStatus.NotFound, null, [], $"{ApplyService.Resource(missing.Kind)} \"{missing.Name}\" not found", missing);
}
