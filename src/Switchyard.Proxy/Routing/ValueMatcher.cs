using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Switchyard.Proxy.Routing;

/// <summary>A header or query-parameter condition: the name and an exact value or an anchored regular expression.</summary>
internal sealed class ValueMatcher
{
    private readonly string _value;
    private readonly Regex? _regex;

    private ValueMatcher(string name, string value, Regex? regex)
    {
        Name = name;
        _value = value;
        _regex = regex;
    }

    public string Name { get; }

    public static ValueMatcher Exact(string name, string value) => new(name, value, null);

    public static ValueMatcher? RegularExpression(string name, string pattern, out string? error)
    {
        var regex = RouteRegex.Anchored(pattern, out var reason);
        error = reason is null ? null : $"regular expression '{pattern}' for '{name}' is invalid: {reason}";
        return regex is null ? null : new(name, pattern, regex);
    }

    public bool Matches(string? value)
    {
        if (value is null) return false;
        if (_regex is null) return string.Equals(value, _value, StringComparison.Ordinal);
        try
        {
            return _regex.IsMatch(value);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    /// <summary>Header names compare case-insensitively; several fields of one name are joined with ",".</summary>
    public bool MatchesHeader(HttpRequest request)
    {
        var values = request.Headers[Name];
        return values.Count != 0 && Matches(values.ToString());
    }

    /// <summary>
    /// Query parameter names compare exactly, as Gateway API's HTTPQueryParamMatch says (ASP.NET Core's
    /// <c>Request.Query</c> would ignore case); with several values the first one is used. Names and values are
    /// percent-decoded ('+' is a space) before they are compared.
    /// </summary>
    public bool MatchesQuery(HttpRequest request)
    {
        if (request.QueryString.Value is not { Length: > 1 } query) return false;
        foreach (var pair in new QueryStringEnumerable(query))
        {
            if (pair.DecodeName().Span.SequenceEqual(Name)) return Matches(pair.DecodeValue().ToString());
        }
        return false;
    }
}
