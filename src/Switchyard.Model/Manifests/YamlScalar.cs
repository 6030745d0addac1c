using System.Globalization;
using System.Text.Json.Nodes;

namespace Switchyard.Model.Manifests;

/// <summary>Types plain (unquoted, untagged) YAML scalars by the YAML 1.2 core schema.</summary>
public static class YamlScalar
{
    /// <summary>YAML 1.2 core schema resolution of a plain scalar.</summary>
    public static JsonNode? Resolve(string v)
    {
        switch (v)
        {
            case "" or "~" or "null" or "Null" or "NULL": return null;
            case "true" or "True" or "TRUE": return JsonValue.Create(true);
            case "false" or "False" or "FALSE": return JsonValue.Create(false);
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF": return JsonValue.Create(double.PositiveInfinity);
            case "-.inf" or "-.Inf" or "-.INF": return JsonValue.Create(double.NegativeInfinity);
            case ".nan" or ".NaN" or ".NAN": return JsonValue.Create(double.NaN);
        }
        var c = v[0];
        if (!(char.IsAsciiDigit(c) || c is '-' or '+' or '.')) return JsonValue.Create(v);
        if (IsDecimalInteger(v))
        {
            if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
            return JsonValue.Create(double.Parse(v, CultureInfo.InvariantCulture));
        }
        if (v.Length > 2 && v[0] == '0' && v[1] == 'x' && long.TryParse(v.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex) && hex >= 0)
        {
            return JsonValue.Create(hex);
        }
        if (v.Length > 2 && v[0] == '0' && v[1] == 'o' && v.AsSpan(2).IndexOfAnyExceptInRange('0', '7') < 0)
        {
            try
            {
                return JsonValue.Create(Convert.ToInt64(v[2..], 8));
            }
            catch (OverflowException)
            {
                return JsonValue.Create(v);
            }
        }
        if (IsFloat(v)) return JsonValue.Create(double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture));
        return JsonValue.Create(v);
    }

    private static bool IsDecimalInteger(string v)
    {
        var i = v[0] is '-' or '+' ? 1 : 0;
        if (i == v.Length) return false;
        for (; i < v.Length; i++)
        {
            if (!char.IsAsciiDigit(v[i])) return false;
        }
        return true;
    }

    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    private static bool IsFloat(string v)
    {
        var i = 0;
        if (v[i] is '-' or '+') i++;
        var intDigits = 0;
        while (i < v.Length && char.IsAsciiDigit(v[i])) { i++; intDigits++; }
        var fracDigits = 0;
        if (i < v.Length && v[i] == '.')
        {
            i++;
            while (i < v.Length && char.IsAsciiDigit(v[i])) { i++; fracDigits++; }
            if (intDigits == 0 && fracDigits == 0) return false;
        }
        else if (intDigits == 0)
        {
            return false;
        }
        if (i < v.Length && v[i] is 'e' or 'E')
        {
            i++;
            if (i < v.Length && v[i] is '-' or '+') i++;
            var expDigits = 0;
            while (i < v.Length && char.IsAsciiDigit(v[i])) { i++; expDigits++; }
            if (expDigits == 0) return false;
        }
        return i == v.Length;
    }
}
