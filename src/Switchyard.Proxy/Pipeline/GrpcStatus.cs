using System.Globalization;
using System.Text;

namespace Switchyard.Proxy.Pipeline;

/// <summary>The gRPC status codes the proxy answers with itself (grpc/doc/statuscodes.md).</summary>
internal enum GrpcStatus
{
    Unknown = 2,
    PermissionDenied = 7,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    Unauthenticated = 16,
}

/// <summary>
/// The headers of the proxy's own error answer to a call a GRPCRoute rule matched: the grpc-status for the HTTP status
/// the proxy would have answered, and the error text as a grpc-message.
/// </summary>
internal static class GrpcStatuses
{
    /// <summary>
    /// gRPC's HTTP-to-status table (grpc/doc/http-grpc-status-mapping.md), the status a client would have read from the
    /// HTTP answer, so that a call fails the same way with the proxy's text. Any other status is UNKNOWN.
    /// </summary>
    public static GrpcStatus FromHttp(int status) => status switch
    {
        400 => GrpcStatus.Internal,
        401 => GrpcStatus.Unauthenticated,
        403 => GrpcStatus.PermissionDenied,
        404 => GrpcStatus.Unimplemented,
        429 or 502 or 503 or 504 => GrpcStatus.Unavailable,
        _ => GrpcStatus.Unknown,
    };

    /// <summary>The grpc-status header value: the code as a decimal number.</summary>
    public static string Code(GrpcStatus status) => ((int)status).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The grpc-message header value (gRPC over HTTP/2, "Percent-Encoded"): the text's UTF-8 bytes, each byte outside
    /// space..'~' and each '%' written as %XX (upper-case hex).
    /// </summary>
    public static string PercentEncode(string text)
    {
        if (!text.AsSpan().ContainsAnyExceptInRange(' ', '~') && !text.Contains('%', StringComparison.Ordinal)) return text;
        var encoded = new StringBuilder(text.Length + 16);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (b is >= (byte)' ' and <= (byte)'~' && b != (byte)'%') encoded.Append((char)b);
            else encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return encoded.ToString();
    }
}
