using k8s;
using k8s.Models;
using Switchyard.Model.Validation;

namespace Switchyard.Control.Admission;

public enum AdmissionOperation
{
    Create,
    Update,
    Delete,
}

/// <summary>
/// A write about to reach the store, after decoding, defaulting and validation.
/// <see cref="Object"/> is the new object (null for Delete) and may be changed by mutating plugins;
/// <see cref="Existing"/> is the stored object (null for Create).
/// </summary>
public sealed record AdmissionRequest(
    AdmissionOperation Operation,
    IKubernetesObject<V1ObjectMeta>? Object,
    IKubernetesObject<V1ObjectMeta>? Existing);

/// <summary>
/// Runs on every write the API server accepts, in the order plugins are registered, like the
/// Kubernetes registry strategies: it may fill in fields (a Service's clusterIP) and may refuse
/// the write with field errors. Refusals are values; the write then changes nothing.
/// </summary>
public interface IAdmissionPlugin
{
    /// <summary>Mutates <see cref="AdmissionRequest.Object"/> in place; returns the reasons to refuse, or none.</summary>
    ValueTask<IReadOnlyList<FieldError>> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Called after the write committed or failed, so a plugin that reserved something
    /// (an IP address) can keep or release it.
    /// </summary>
    void Completed(AdmissionRequest request, bool committed);
}
