using k8s.Models;

namespace Switchyard.Model.Validation;

/// <summary>Checks of port numbers, protocols and IntOrString ports shared by the kinds that carry ports.</summary>
public static class PortRules
{
    public static readonly string[] Protocols = ["TCP", "UDP", "SCTP"];

    public const string PortRangeMessage = "must be between 1 and 65535, inclusive";

    public static bool IsValidPort(long port) => port is >= 1 and <= 65535;

    public static void ValidatePortNumber(long port, string path, List<FieldError> errors)
    {
        if (!IsValidPort(port)) errors.Invalid(path, port, PortRangeMessage);
    }

    /// <summary>Protocol must be set (defaulting sets TCP) and one of TCP, UDP, SCTP.</summary>
    public static void ValidateProtocol(string? protocol, string path, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(protocol)) errors.Required(path);
        else if (!Protocols.Contains(protocol, StringComparer.Ordinal)) errors.NotSupported(path, protocol, Protocols);
    }

    /// <summary>A number in 1..65535, or an IANA service name (a named port).</summary>
    public static void ValidatePortNumOrName(IntOrString? port, string path, List<FieldError> errors)
    {
        if (port?.Value is not { Length: > 0 } text)
        {
            errors.Required(path);
            return;
        }
        if (IsNumeric(text, out var n)) ValidatePortNumber(n, path, errors);
        else errors.InvalidEach(path, text, KubernetesNames.ValidatePortName(text));
    }

    /// <summary>Whether an IntOrString holds a number (and which).</summary>
    public static bool IsNumeric(string? text, out long number)
    {
        number = 0;
        return text is { Length: > 0 } && (char.IsAsciiDigit(text[0]) || text[0] == '-') && long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out number);
    }
}
