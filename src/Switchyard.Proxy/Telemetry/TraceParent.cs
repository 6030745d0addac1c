using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Switchyard.Proxy.Telemetry;

/// <summary>
/// W3C Trace Context: the traceparent the proxy sends upstream. It continues the caller's trace (same trace-id and
/// flags) as a new span, or starts a trace when the request has none or an invalid one; the upstream sees the proxy's
/// span as its parent. A value, not text: the HTTP/1.1 forwarder writes it straight into the upstream head
/// (<see cref="WriteTo"/>); <see cref="ToString"/> makes the field's text where a header dictionary needs it.
/// </summary>
internal readonly struct TraceParent
{
    /// <summary>"00-" trace-id(32) "-" parent-id(16) "-" flags(2).</summary>
    public const int Length = 55;

    private readonly string? _caller; // a valid incoming traceparent: its trace id and flags continue
    private readonly ulong _traceHigh, _traceLow, _span;

    private TraceParent(string? caller, ulong traceHigh, ulong traceLow, ulong span)
    {
        _caller = caller;
        _traceHigh = traceHigh;
        _traceLow = traceLow;
        _span = span;
    }

    /// <summary>The traceparent to send upstream for a request that carried <paramref name="incoming"/>.</summary>
    public static TraceParent Next(string? incoming)
    {
        Span<ulong> random = stackalloc ulong[3];
        Random.Shared.NextBytes(MemoryMarshal.AsBytes(random));
        var span = NonZero(random[0]);
        if (IsValid(incoming)) return new TraceParent(incoming, 0, 0, span);
        return new TraceParent(null, random[1], random[1] == 0 ? NonZero(random[2]) : random[2], span); // a trace id is never all zero
    }

    private static ulong NonZero(ulong value) => value == 0 ? 1 : value;

    /// <summary>
    /// Whether this starts a trace rather than continuing the caller's (none, or an invalid one): the caller's
    /// tracestate then goes too (W3C Trace Context §4.3: a vendor that restarts the trace deletes tracestate).
    /// </summary>
    public bool Restarts => _caller is null;

    /// <summary>The trace id of a valid incoming traceparent; null for none or an invalid one (for the access log of requests answered before forwarding).</summary>
    public static string? TraceIdOf(string? incoming) => IsValid(incoming) ? incoming!.Substring(3, 32) : null;

    /// <summary>The 32 hex digits of the trace id (for the access log).</summary>
    public string TraceId => _caller?.Substring(3, 32) ?? string.Create(32, this, static (chars, t) =>
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, t._traceHigh);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], t._traceLow);
        Convert.TryToHexStringLower(bytes, chars, out _);
    });

    /// <summary>Writes the field's value, <see cref="Length"/> ASCII bytes, at the start of <paramref name="to"/>.</summary>
    public void WriteTo(Span<byte> to)
    {
        "00-"u8.CopyTo(to);
        if (_caller is { } caller) Ascii.FromUtf16(caller.AsSpan(3, 32), to.Slice(3, 32), out _);
        else
        {
            Hex(_traceHigh, to.Slice(3, 16));
            Hex(_traceLow, to.Slice(19, 16));
        }
        to[35] = (byte)'-';
        Hex(_span, to.Slice(36, 16));
        to[52] = (byte)'-';
        if (_caller is { } flags) Ascii.FromUtf16(flags.AsSpan(53, 2), to.Slice(53, 2), out _);
        else "00"u8.CopyTo(to[53..]);
    }

    /// <summary>16 lowercase hex digits, most significant first (the vectorized encoder: a "x16" format string costs ~250 instructions).</summary>
    private static void Hex(ulong value, Span<byte> to)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        Convert.TryToHexStringLower(bytes, to, out _);
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Length];
        WriteTo(bytes);
        return Encoding.ASCII.GetString(bytes);
    }

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
