using k8s;
using k8s.Models;
using Switchyard.Control.Admission;
using Switchyard.Model.Validation;

namespace Switchyard.Control.Apply;

/// <summary>
/// Runs the admission plugins in registration order and remembers which requests were admitted,
/// so that every plugin hears exactly once whether each write committed.
/// </summary>
internal sealed class AdmissionChain(IReadOnlyList<IAdmissionPlugin> plugins)
{
    private readonly List<AdmissionRequest> _admitted = [];

    /// <summary>Runs every plugin on the request and returns all their refusals (every plugin runs, so all errors are reported).</summary>
    public async ValueTask<IReadOnlyList<FieldError>> AdmitAsync(
        AdmissionOperation operation,
        IKubernetesObject<V1ObjectMeta>? obj,
        IKubernetesObject<V1ObjectMeta>? existing,
        CancellationToken cancellationToken)
    {
        var request = new AdmissionRequest(operation, obj, existing);
        _admitted.Add(request);
        List<FieldError>? errors = null;
        foreach (var plugin in plugins)
        {
            var refused = await plugin.AdmitAsync(request, cancellationToken);
            if (refused.Count > 0) (errors ??= []).AddRange(refused);
        }
        return errors ?? (IReadOnlyList<FieldError>)[];
    }

    /// <summary>Tells every plugin the fate of every request admitted so far, then forgets them.</summary>
    public void Complete(bool committed)
    {
        foreach (var request in _admitted)
        {
            foreach (var plugin in plugins) plugin.Completed(request, committed);
        }
        _admitted.Clear();
    }
}
