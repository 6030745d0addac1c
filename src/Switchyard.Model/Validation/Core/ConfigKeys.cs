using System.Text.RegularExpressions;

namespace Switchyard.Model.Validation.Core;

/// <summary>Keys of ConfigMap and Secret data: file-name-like, at most 253 characters, not "." or "..".</summary>
internal static partial class ConfigKeys
{
    public const int MaxLength = 253;

    private const string Message =
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name', or 'KEY_NAME', or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

    [GeneratedRegex("^[-._a-zA-Z0-9]+$")]
    private static partial Regex ConfigKey();

    public static void Validate(string key, string path, List<FieldError> errors)
    {
        if (key.Length > MaxLength) errors.Invalid(path, key, $"must be no more than {MaxLength} characters");
        if (!ConfigKey().IsMatch(key)) errors.Invalid(path, key, Message);
        if (key is "." or "..") errors.Invalid(path, key, $"must not be '{key}'");
        else if (key.StartsWith("..", StringComparison.Ordinal)) errors.Invalid(path, key, "must not start with '..'");
    }
}
