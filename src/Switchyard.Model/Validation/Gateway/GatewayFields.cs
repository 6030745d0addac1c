using System.Globalization;
using System.Text.RegularExpressions;
using Switchyard.Model.Gateway;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>
/// Checks for the field types the Gateway API shares between kinds (Group, Kind, Hostname, SectionName,
/// references, durations), with the limits of the v1 CRD schemas. Each method appends every problem it finds.
/// </summary>
internal static partial class GatewayFields
{
    public const int MaxObjectName = 253;

    [GeneratedRegex(@"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex HostnamePattern();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex SubdomainPattern();

    [GeneratedRegex(@"^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$")]
    private static partial Regex KindPattern();

    [GeneratedRegex(@"^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$")]
    private static partial Regex HeaderNamePattern();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$")]
    private static partial Regex ControllerNamePattern();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/[A-Za-z0-9]+$")]
    private static partial Regex DomainPrefixedPattern();

    [GeneratedRegex(@"^([0-9]{1,5}(h|m|s|ms)){1,4}$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"([0-9]{1,5})(h|ms|m|s)")]
    private static partial Regex DurationPart();

    /// <summary>A hostname that may start with the wildcard label "*." (Listener and Route hostnames).</summary>
    public static void Hostname(string? value, string path, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            errors.Required(path);
            return;
        }
        if (value.Length > 253) errors.TooLong(path, 253, "characters");
        if (!HostnamePattern().IsMatch(value))
        {
            errors.Invalid(path, value, "must be a lowercase RFC 1123 hostname, optionally starting with the wildcard label \"*.\" (e.g. \"example.com\" or \"*.example.com\")");
        }
    }

    /// <summary>A hostname without wildcard (redirect and rewrite targets).</summary>
    public static void PreciseHostname(string? value, string path, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            errors.Required(path);
            return;
        }
        if (value.Length > 253) errors.TooLong(path, 253, "characters");
        if (!SubdomainPattern().IsMatch(value))
        {
            errors.Invalid(path, value, "must be a lowercase RFC 1123 hostname without wildcard (e.g. \"example.com\")");
        }
    }

    /// <summary>An API group; "" is the core group.</summary>
    public static void Group(string? value, string path, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(value)) return;
        if (value.Length > 253) errors.TooLong(path, 253, "characters");
        if (!SubdomainPattern().IsMatch(value))
        {
            errors.Invalid(path, value, "must be empty (the core group) or a lowercase DNS subdomain (e.g. \"gateway.networking.k8s.io\")");
        }
    }

    /// <summary>A group that must be present, though it may be "" for the core group.</summary>
    public static void RequiredGroup(string? value, string path, List<FieldError> errors)
    {
        if (value is null) errors.Required(path, "use \"\" for the core group");
        else Group(value, path, errors);
    }

    /// <summary>A kind name: a letter, then letters, digits and '-', at most 63.</summary>
    public static void Kind(string? value, string path, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            errors.Required(path);
            return;
        }
        if (value.Length > 63) errors.TooLong(path, 63, "characters");
        if (!KindPattern().IsMatch(value))
        {
            errors.Invalid(path, value, "must start with a letter and contain only letters, digits and '-' (e.g. \"Service\")");
        }
    }

    /// <summary>A namespace name (RFC 1123 label); null means "the referrer's namespace".</summary>
    public static void Namespace(string? value, string path, List<FieldError> errors)
    {
        if (value is null) return;
        if (value.Length == 0) errors.Required(path, "omit the field to mean the same namespace");
        else errors.InvalidEach(path, value, KubernetesNames.ValidateDns1123Label(value));
    }

    /// <summary>An object name: 1 to 253 characters (the referent's own kind checks the rest).</summary>
    public static void ObjectName(string? value, string path, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(value)) errors.Required(path);
        else if (value.Length > MaxObjectName) errors.TooLong(path, MaxObjectName, "characters");
    }

    /// <summary>A section (listener or rule) name: a lowercase DNS subdomain.</summary>
    public static void SectionName(string? value, string path, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            errors.Required(path);
            return;
        }
        errors.InvalidEach(path, value, KubernetesNames.ValidateDns1123Subdomain(value));
    }

    public static void Port(int? value, string path, List<FieldError> errors)
    {
        if (value is { } p && (p < 1 || p > 65535)) errors.Invalid(path, p, "must be between 1 and 65535, inclusive");
    }

    public static void RequiredPort(int value, string path, List<FieldError> errors)
    {
        if (value == 0) errors.Required(path);
        else Port(value, path, errors);
    }

    /// <summary>An HTTP header name (RFC 7230 token), 1 to 256 characters.</summary>
    public static void HeaderName(string? value, string path, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            errors.Required(path);
            return;
        }
        if (value.Length > 256) errors.TooLong(path, 256, "characters");
        if (!HeaderNamePattern().IsMatch(value))
        {
            errors.Invalid(path, value, "must be an HTTP header name: letters, digits and !#$%&'*+-.^_`|~ only (e.g. \"X-Request-Id\")");
        }
    }

    /// <summary>A string of a bounded length that must be present.</summary>
    public static void RequiredString(string? value, string path, int maxLength, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(value)) errors.Required(path);
        else if (value.Length > maxLength) errors.TooLong(path, maxLength, "characters");
    }

    public static void MaxLength(string? value, string path, int maxLength, List<FieldError> errors)
    {
        if (value is not null && value.Length > maxLength) errors.TooLong(path, maxLength, "characters");
    }

    public static void MaxItems<T>(ICollection<T>? list, string path, int max, List<FieldError> errors)
    {
        if (list is not null && list.Count > max) errors.TooMany(path, list.Count, max);
    }

    /// <summary>A controller name: a domain prefix, '/', and a path ("switchyard.dev/gateway-controller").</summary>
    public static void ControllerName(string? value, string path, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            errors.Required(path);
            return;
        }
        if (value.Length > 253) errors.TooLong(path, 253, "characters");
        if (!ControllerNamePattern().IsMatch(value))
        {
            errors.Invalid(path, value, "must be a domain-prefixed path (e.g. \"example.com/gateway-controller\")");
        }
    }

    /// <summary>Whether a value is an implementation-specific name of the form "example.com/Name".</summary>
    public static bool IsDomainPrefixed(string value) => value.Length <= 253 && DomainPrefixedPattern().IsMatch(value);

    /// <summary>
    /// Parses a Gateway API duration (GEP-2257): one to four parts of up to five digits and a unit h, m, s or ms
    /// ("1h30m", "500ms"). Returns null when the text is not one.
    /// </summary>
    public static TimeSpan? ParseDuration(string value)
    {
        if (!DurationPattern().IsMatch(value)) return null;
        var total = TimeSpan.Zero;
        foreach (Match m in DurationPart().Matches(value))
        {
            var n = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            total += m.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(n),
                "m" => TimeSpan.FromMinutes(n),
                "s" => TimeSpan.FromSeconds(n),
                _ => TimeSpan.FromMilliseconds(n),
            };
        }
        return total;
    }

    /// <summary>Validates an optional duration and returns its value when valid.</summary>
    public static TimeSpan? Duration(string? value, string path, List<FieldError> errors)
    {
        if (value is null) return null;
        var d = ParseDuration(value);
        if (d is null)
        {
            errors.Invalid(path, value, "must be a duration of one to four parts, each up to 5 digits followed by h, m, s or ms (e.g. \"10s\", \"1h30m\", \"500ms\")");
        }
        return d;
    }

    /// <summary>A reference from a Route to its parent (a Gateway by default).</summary>
    public static void ParentRef(ParentReference? r, string path, List<FieldError> errors)
    {
        if (r is null)
        {
            errors.Required(path);
            return;
        }
        Group(r.Group, FieldPath.Child(path, "group"), errors);
        if (r.Kind is not null) Kind(r.Kind, FieldPath.Child(path, "kind"), errors);
        Namespace(r.Namespace, FieldPath.Child(path, "namespace"), errors);
        ObjectName(r.Name, FieldPath.Child(path, "name"), errors);
        if (r.SectionName is not null) SectionName(r.SectionName, FieldPath.Child(path, "sectionName"), errors);
        Port(r.Port, FieldPath.Child(path, "port"), errors);
    }

    /// <summary>A backend reference; a Service (the default) must name its port.</summary>
    public static void BackendObjectRef(string? group, string? kind, string? name, string? ns, int? port, string path, List<FieldError> errors)
    {
        Group(group, FieldPath.Child(path, "group"), errors);
        if (kind is not null) Kind(kind, FieldPath.Child(path, "kind"), errors);
        ObjectName(name, FieldPath.Child(path, "name"), errors);
        Namespace(ns, FieldPath.Child(path, "namespace"), errors);
        Port(port, FieldPath.Child(path, "port"), errors);
        if (string.IsNullOrEmpty(group) && (kind ?? "Service") == "Service" && port is null)
        {
            errors.Required(FieldPath.Child(path, "port"), "a Service backend must name its port");
        }
    }

    public static void SecretRef(SecretObjectReference? r, string path, List<FieldError> errors)
    {
        if (r is null)
        {
            errors.Required(path);
            return;
        }
        Group(r.Group, FieldPath.Child(path, "group"), errors);
        if (r.Kind is not null) Kind(r.Kind, FieldPath.Child(path, "kind"), errors);
        ObjectName(r.Name, FieldPath.Child(path, "name"), errors);
        Namespace(r.Namespace, FieldPath.Child(path, "namespace"), errors);
    }

    public static void ObjectRef(ObjectReference? r, string path, List<FieldError> errors)
    {
        if (r is null)
        {
            errors.Required(path);
            return;
        }
        RequiredGroup(r.Group, FieldPath.Child(path, "group"), errors);
        Kind(r.Kind, FieldPath.Child(path, "kind"), errors);
        ObjectName(r.Name, FieldPath.Child(path, "name"), errors);
        Namespace(r.Namespace, FieldPath.Child(path, "namespace"), errors);
    }

    public static void LocalRef(string? group, string? kind, string? name, string path, List<FieldError> errors)
    {
        RequiredGroup(group, FieldPath.Child(path, "group"), errors);
        Kind(kind, FieldPath.Child(path, "kind"), errors);
        ObjectName(name, FieldPath.Child(path, "name"), errors);
    }

    /// <summary>An enumerated string field: required when <paramref name="required"/>, else checked only when set.</summary>
    public static void OneOf(string? value, string path, IReadOnlyList<string> supported, List<FieldError> errors, bool required = false)
    {
        if (string.IsNullOrEmpty(value))
        {
            if (required) errors.Required(path);
            return;
        }
        if (!supported.Contains(value, StringComparer.Ordinal)) errors.NotSupported(path, value, supported);
    }
}
