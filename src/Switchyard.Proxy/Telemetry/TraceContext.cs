namespace Switchyard.Proxy.Telemetry;

/// <summary>
/// W3C Trace Context: the proxy continues the caller's trace (same trace-id, flags) as a new span, or starts a
/// trace when the request has none or an invalid one. The upstream sees the proxy's span as its parent.
/// </summary>
internal static class TraceContext
{
    private const int Length = 55; // "00-" trace-id(32) "-" parent-id(16) "-" flags(2)

    /// <summary>The traceparent to send upstream: one string, built in place.</summary>
    public static string Next(string? incoming)
    {
        Span<byte> random = stackalloc byte[24];
        Random.Shared.NextBytes(random);
        Span<char> value = stackalloc char[Length];
        "00-".CopyTo(value);
        if (IsValid(incoming))
        {
            incoming.AsSpan(3, 32).CopyTo(value[3..]);
            incoming.AsSpan(53, 2).CopyTo(value[53..]);
        }
        else
        {
            Convert.TryToHexStringLower(random[8..], value.Slice(3, 32), out _);
            "00".CopyTo(value[53..]);
        }
        value[35] = '-';
        Convert.TryToHexStringLower(random[..8], value.Slice(36, 16), out _);
        value[52] = '-';
        return new string(value);
    }

    /// <summary>The trace id of a traceparent this class made.</summary>
    public static string TraceIdOf(string traceParent) => traceParent.Substring(3, 32);

    /// <summary>version "00" (or a later one, read as 00), 32 hex trace id not all zero, 16 hex parent id not all zero, 2 hex flags.</summary>
    public static bool IsValid(string? value)
    {
        if (value is null || value.Length < Length || value[2] != '-' || value[35] != '-' || value[52] != '-') return false;
        if (value.StartsWith("ff", StringComparison.Ordinal) || (value.StartsWith("00", StringComparison.Ordinal) && value.Length != Length)) return false;
        var trace = value.AsSpan(3, 32);
        var parent = value.AsSpan(36, 16);
        if (!IsLowerHex(trace) || !IsLowerHex(parent) || !IsLowerHex(value.AsSpan(53, 2)) || !IsLowerHex(value.AsSpan(0, 2))) return false;
        return trace.IndexOfAnyExcept('0') >= 0 && parent.IndexOfAnyExcept('0') >= 0;
    }

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    private static bool IsLowerHex(ReadOnlySpan<char> s) => !s.ContainsAnyExcept(LowerHex);
}
