namespace Switchyard.Model.Validation;

/// <summary>
/// One problem with one field of one object. <see cref="Path"/> is the Kubernetes field path
/// ("spec.ports[0].targetPort"); the manifest reader turns it into a line of the source file.
/// </summary>
public sealed record FieldError(string Path, string Message)
{
    public override string ToString() => Path.Length == 0 ? Message : $"{Path}: {Message}";
}
