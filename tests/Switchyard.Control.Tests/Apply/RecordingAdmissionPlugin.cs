using Switchyard.Control.Admission;
using Switchyard.Model.Validation;

namespace Switchyard.Control.Tests.Apply;

/// <summary>An admission plugin that stamps an annotation, can refuse by name, and records every completion.</summary>
internal sealed class RecordingAdmissionPlugin : IAdmissionPlugin
{
    public const string Annotation = "test.switchyard.dev/admitted";

    public string? RefuseName { get; init; }
    public List<(AdmissionOperation Operation, string Name, bool Committed)> Completions { get; } = [];
    public List<(AdmissionOperation Operation, string Name)> Admitted { get; } = [];

    public ValueTask<IReadOnlyList<FieldError>> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        var name = (request.Object ?? request.Existing)!.Metadata.Name;
        lock (Admitted) Admitted.Add((request.Operation, name));
        if (request.Object is { } obj)
        {
            obj.Metadata.Annotations ??= new Dictionary<string, string>();
            obj.Metadata.Annotations[Annotation] = "yes";
        }
        IReadOnlyList<FieldError> errors = name == RefuseName ? [new FieldError("spec", "refused by test plugin")] : [];
        return ValueTask.FromResult(errors);
    }

    public void Completed(AdmissionRequest request, bool committed)
    {
        lock (Completions) Completions.Add((request.Operation, (request.Object ?? request.Existing)!.Metadata.Name, committed));
    }
}
