namespace Switchyard.Proxy.Telemetry;

/// <summary>
/// W3C Trace Context: the proxy continues the caller's trace (same trace-id, flags) as a new span, or starts a
/// trace when the request has none or an invalid one. The upstream sees the proxy's span as its parent.
/// </summary>
internal static class TraceContext
{
    /// <summary>The traceparent to send upstream and its trace id.</summary>
    public static (string TraceParent, string TraceId) Next(string? incoming)
    {
        Span<byte> span = stackalloc byte[8];
        Random.Shared.NextBytes(span);
        var spanId = Convert.ToHexStringLower(span);
        if (TryParse(incoming, out var traceId, out var flags)) return ($"00-{traceId}-{spanId}-{flags}", traceId);
        Span<byte> trace = stackalloc byte[16];
        Random.Shared.NextBytes(trace);
        var newTrace = Convert.ToHexStringLower(trace);
        return ($"00-{newTrace}-{spanId}-00", newTrace);
    }

    /// <summary>version "00" (or a later one, read as 00), 32 hex trace id not all zero, 16 hex parent id not all zero, 2 hex flags.</summary>
    public static bool TryParse(string? value, out string traceId, out string flags)
    {
        traceId = flags = "";
        if (value is null || value.Length < 55 || value[2] != '-' || value[35] != '-' || value[52] != '-') return false;
        if (value.StartsWith("ff", StringComparison.Ordinal) || (value.StartsWith("00", StringComparison.Ordinal) && value.Length != 55)) return false;
        var trace = value.AsSpan(3, 32);
        var parent = value.AsSpan(36, 16);
        var f = value.AsSpan(53, 2);
        if (!IsLowerHex(trace) || !IsLowerHex(parent) || !IsLowerHex(f) || !IsLowerHex(value.AsSpan(0, 2))) return false;
        if (trace.IndexOfAnyExcept('0') < 0 || parent.IndexOfAnyExcept('0') < 0) return false;
        traceId = trace.ToString();
        flags = f.ToString();
        return true;
    }

    private static bool IsLowerHex(ReadOnlySpan<char> s)
    {
        foreach (var c in s) if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)) return false;
        return true;
    }
}
