using System.Text.RegularExpressions;

namespace Switchyard.Proxy.Routing;

/// <summary>
/// The regular expressions of routes (path, header and query parameter matches; gRPC service and method): .NET
/// syntax, matched against the whole value, by the non-backtracking engine. A route author is not the gateway's
/// operator, and matches run on the event loops that serve every other connection: this engine matches in time linear
/// in the input whatever the pattern, as Envoy's RE2 does. Like RE2, it refuses backreferences and lookarounds, so a
/// route that uses them is refused in its status rather than served slowly. The timeout only bounds the unforeseen.
/// </summary>
internal static class RouteRegex
{
    private const RegexOptions Options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(50);

    /// <summary>A regex that matches the whole of a value against <paramref name="pattern"/>; null with <paramref name="error"/> (why) when it cannot be compiled.</summary>
    public static Regex? Anchored(string pattern, out string? error)
    {
        // The pattern alone first, so that a refusal quotes the author's pattern and offsets, not the anchored one.
        error = Check(pattern);
        return error is null ? Compile(@"\A(?:" + pattern + @")\z", out error) : null; // not $, which also matches before a final newline
    }

    /// <summary>The reason <paramref name="pattern"/> alone cannot be compiled; null when it can.</summary>
    public static string? Check(string pattern)
    {
        Compile(pattern, out var error);
        return error;
    }

    private static Regex? Compile(string pattern, out string? error)
    {
        try
        {
            error = null;
            return new Regex(pattern, Options, MatchTimeout);
        }
        catch (ArgumentException e)
        {
            error = e.Message.TrimEnd('.'); // the messages go on after it ("; still serving ...")
        }
        catch (NotSupportedException e) when (e.Message.Contains("conjunction with expressions containing", StringComparison.Ordinal))
        {
            // .NET's message names its RegexOptions, which the route's author never chose.
            error = "backreferences, lookarounds, atomic groups and conditionals are not supported: route patterns match in time linear in the value (RE2's rules)";
        }
        catch (NotSupportedException)
        {
            error = "the pattern is too large to match in linear time (a repetition such as {1,20000} unrolls into too many states)";
        }
        return null;
    }
}
