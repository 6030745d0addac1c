using System.Text.RegularExpressions;

namespace Switchyard.Model.Validation;

/// <summary>
/// The name and label rules of the Kubernetes API (apimachinery validation), with the same
/// limits and messages a user of kubectl would recognize. Each method returns every problem found.
/// </summary>
public static partial class KubernetesNames
{
    public const int Dns1123LabelMaxLength = 63;
    public const int Dns1123SubdomainMaxLength = 253;
    public const int LabelValueMaxLength = 63;
    public const int QualifiedNameMaxLength = 63;

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNamePart();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex IanaSvcName();

    /// <summary>RFC 1123 label: lowercase alphanumerics and '-', starting and ending alphanumeric, at most 63.</summary>
    public static IReadOnlyList<string> ValidateDns1123Label(string value)
    {
        var errors = new List<string>();
        if (value.Length > Dns1123LabelMaxLength) errors.Add($"must be no more than {Dns1123LabelMaxLength} characters");
        if (!Dns1123Label().IsMatch(value))
        {
            errors.Add("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc')");
        }
        return errors;
    }

    /// <summary>RFC 1123 subdomain: dot-separated labels, at most 253 characters.</summary>
    public static IReadOnlyList<string> ValidateDns1123Subdomain(string value)
    {
        var errors = new List<string>();
        if (value.Length > Dns1123SubdomainMaxLength) errors.Add($"must be no more than {Dns1123SubdomainMaxLength} characters");
        if (!Dns1123Subdomain().IsMatch(value))
        {
            errors.Add("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')");
        }
        return errors;
    }

    /// <summary>
    /// A <c>NAMESPACE/NAME</c> reference to a namespaced object (as <c>kubectl</c> and flags write it): the namespace as an
    /// RFC 1123 label, the name as an RFC 1123 subdomain, each problem prefixed with the part it is about.
    /// </summary>
    public static IReadOnlyList<string> ValidateNamespacedName(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0) return ["must be NAMESPACE/NAME"];
        return [.. ValidateDns1123Label(value[..slash]).Select(p => $"namespace: {p}"),
            .. ValidateDns1123Subdomain(value[(slash + 1)..]).Select(p => $"name: {p}")];
    }

    /// <summary>RFC 1035 label (Service names): starts with a letter.</summary>
    public static IReadOnlyList<string> ValidateDns1035Label(string value)
    {
        var errors = new List<string>();
        if (value.Length > Dns1123LabelMaxLength) errors.Add($"must be no more than {Dns1123LabelMaxLength} characters");
        if (!Dns1035Label().IsMatch(value))
        {
            errors.Add("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name', or 'abc-123')");
        }
        return errors;
    }

    /// <summary>Label and annotation keys: an optional DNS subdomain prefix and '/', then a name of at most 63.</summary>
    public static IReadOnlyList<string> ValidateQualifiedName(string value)
    {
        var errors = new List<string>();
        var parts = value.Split('/');
        string name;
        switch (parts.Length)
        {
            case 1:
                name = parts[0];
                break;
            case 2:
                name = parts[1];
                if (parts[0].Length == 0) errors.Add("prefix part must be non-empty");
                else foreach (var e in ValidateDns1123Subdomain(parts[0])) errors.Add($"prefix part {e}");
                break;
            default:
                errors.Add("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
                return errors;
        }
        if (name.Length == 0) errors.Add("name part must be non-empty");
        else
        {
            if (name.Length > QualifiedNameMaxLength) errors.Add($"name part must be no more than {QualifiedNameMaxLength} characters");
            if (!QualifiedNamePart().IsMatch(name))
            {
                errors.Add("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc')");
            }
        }
        return errors;
    }

    /// <summary>Label values: empty, or at most 63 alphanumerics, '-', '_', '.', starting and ending alphanumeric.</summary>
    public static IReadOnlyList<string> ValidateLabelValue(string value)
    {
        var errors = new List<string>();
        if (value.Length > LabelValueMaxLength) errors.Add($"must be no more than {LabelValueMaxLength} characters");
        if (!LabelValue().IsMatch(value))
        {
            errors.Add("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or '12345')");
        }
        return errors;
    }

    /// <summary>IANA service names (named ports): at most 15, lowercase alphanumerics and '-', at least one letter, no '--'.</summary>
    public static IReadOnlyList<string> ValidatePortName(string value)
    {
        var errors = new List<string>();
        if (value.Length > 15) errors.Add("must be no more than 15 characters");
        if (!IanaSvcName().IsMatch(value)) errors.Add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-), and must not start or end with a hyphen");
        if (value.Contains("--", StringComparison.Ordinal)) errors.Add("must not contain consecutive hyphens");
        if (!value.Any(char.IsAsciiLetter)) errors.Add("must contain at least one letter (a-z)");
        return errors;
    }
}
