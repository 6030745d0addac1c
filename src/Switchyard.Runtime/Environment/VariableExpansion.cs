using System.Text;

namespace Switchyard.Runtime.Environment;

/// <summary>
/// Kubernetes' <c>$(VAR_NAME)</c> references in env values, command and args: a defined variable is replaced
/// by its value, an undefined reference is left as written, and <c>$$</c> is an escaped <c>$</c>.
/// </summary>
internal static class VariableExpansion
{
    public static string Expand(string input, Func<string, string?> lookup)
    {
        if (!input.Contains('$', StringComparison.Ordinal)) return input;
        var sb = new StringBuilder(input.Length);
        for (var i = 0; i < input.Length; i++)
        {
            var c = input[i];
            if (c != '$' || i + 1 >= input.Length)
            {
                sb.Append(c);
                continue;
            }
            var next = input[i + 1];
            if (next == '$')
            {
                sb.Append('$');
                i++;
                continue;
            }
            if (next == '(')
            {
                var close = input.IndexOf(')', i + 2);
                if (close > 0)
                {
                    var name = input[(i + 2)..close];
                    if (lookup(name) is { } value)
                    {
                        sb.Append(value);
                        i = close;
                        continue;
                    }
                    sb.Append(input, i, close - i + 1);
                    i = close;
                    continue;
                }
            }
            sb.Append(c);
        }
        return sb.ToString();
    }
}
