using System.Globalization;

namespace Switchyard.Model.Validation;

/// <summary>
/// Builds field errors worded like the Kubernetes API server's (apimachinery field.Error):
/// "Required value", "Invalid value: "x": why", "Unsupported value: "x": supported values: ...",
/// "Duplicate value: "x"", "Forbidden: why", "Too many: n: must have at most m items", "Too long: ...".
/// Each method appends to the caller's list, so rules collect every problem in one pass.
/// </summary>
public static class FieldErrors
{
    public static void Required(this List<FieldError> errors, string path, string? detail = null) =>
        errors.Add(new FieldError(path, detail is null or "" ? "Required value" : $"Required value: {detail}"));

    public static void Invalid(this List<FieldError> errors, string path, object? value, string detail) =>
        errors.Add(new FieldError(path, $"Invalid value: {Show(value)}: {detail}"));

    public static void NotSupported(this List<FieldError> errors, string path, object? value, IEnumerable<string> supported) =>
        errors.Add(new FieldError(path, $"Unsupported value: {Show(value)}: supported values: {string.Join(", ", supported.Select(s => Show(s)))}"));

    public static void Duplicate(this List<FieldError> errors, string path, object? value) =>
        errors.Add(new FieldError(path, $"Duplicate value: {Show(value)}"));

    public static void Forbidden(this List<FieldError> errors, string path, string detail) =>
        errors.Add(new FieldError(path, $"Forbidden: {detail}"));

    public static void TooMany(this List<FieldError> errors, string path, int actual, int max) =>
        errors.Add(new FieldError(path, $"Too many: {actual}: must have at most {max} items"));

    public static void TooLong(this List<FieldError> errors, string path, int max, string unit = "bytes") =>
        errors.Add(new FieldError(path, $"Too long: may not be more than {max} {unit}"));

    /// <summary>One "Invalid value" error per message of a name/label check (as <see cref="KubernetesNames"/> returns them).</summary>
    public static void InvalidEach(this List<FieldError> errors, string path, object? value, IReadOnlyList<string> messages)
    {
        foreach (var m in messages) errors.Invalid(path, value, m);
    }

    /// <summary>Value rendering as in Kubernetes messages: strings quoted, numbers bare, null as "null".</summary>
    public static string Show(object? value) => value switch
    {
        null => "null",
        string s => Quote(s),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Quote(value.ToString() ?? ""),
    };

    private static string Quote(string s) =>
        "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}

/// <summary>Kubernetes-style field paths: "spec", "spec.ports[0]", "metadata.labels[app]".</summary>
public static class FieldPath
{
    public static string Child(string parent, string name) => parent.Length == 0 ? name : $"{parent}.{name}";

    public static string Index(string parent, int index) => $"{parent}[{index.ToString(CultureInfo.InvariantCulture)}]";

    public static string Key(string parent, string key) => $"{parent}[{key}]";
}
