using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Switchyard.Proxy.Listeners;

/// <summary>
/// HTTP/2 with prior knowledge (RFC 9113 §3.3) on cleartext listeners that also serve HTTP/1.1. Kestrel picks the
/// protocol of an Http1AndHttp2 endpoint by ALPN and, without TLS, always picks HTTP/1.1
/// (dotnet/aspnetcore#56984). This connection middleware peeks at the first bytes without consuming them: when they
/// are the HTTP/2 client preface it tells Kestrel "h2" the way the TLS layer would, so the connection is served as
/// HTTP/2; anything else goes on as HTTP/1.1 with its bytes untouched. Because Kestrel then sees a TLS-like
/// connection it validates <c>:scheme</c> only with <c>AllowAlternateSchemes</c>, so the proxy takes the scheme it
/// reports upstream from the listener, never from the request.
/// </summary>
internal static class H2cPriorKnowledge
{
    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>How long a new connection may take to send its first bytes (Kestrel's own header timeout starts after).</summary>
    private static readonly TimeSpan FirstBytesTimeout = TimeSpan.FromSeconds(30);

    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware => next => async connection =>
    {
        bool h2;
        try
        {
            h2 = await StartsWithPrefaceAsync(connection).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            connection.Abort();
            return;
        }
        if (h2)
        {
            connection.Features.Set<ITlsConnectionFeature>(NoTls.Instance);
            connection.Features.Set<ITlsApplicationProtocolFeature>(NoTls.Instance);
        }
        await next(connection).ConfigureAwait(false);
    };

    private static async Task<bool> StartsWithPrefaceAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        timeout.CancelAfter(FirstBytesTimeout);
        while (true)
        {
            var read = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
            var buffer = read.Buffer;
            var verdict = Compare(buffer);
            if (verdict is not null || read.IsCompleted || read.IsCanceled)
            {
                input.AdvanceTo(buffer.Start);
                return verdict == true;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>True: the preface; false: not the preface; null: a prefix of it, read more.</summary>
    private static bool? Compare(ReadOnlySequence<byte> buffer)
    {
        var length = (int)Math.Min(buffer.Length, Preface.Length);
        Span<byte> head = stackalloc byte[Preface.Length];
        buffer.Slice(0, length).CopyTo(head);
        if (!head[..length].SequenceEqual(Preface[..length])) return false;
        return length == Preface.Length ? true : null;
    }

    /// <summary>Says "h2 negotiated" to Kestrel's protocol selection; there is no certificate and no TLS.</summary>
    private sealed class NoTls : ITlsConnectionFeature, ITlsApplicationProtocolFeature
    {
        public static readonly NoTls Instance = new();
        private static readonly byte[] H2 = "h2"u8.ToArray();

        public X509Certificate2? ClientCertificate { get => null; set { } }

        public ReadOnlyMemory<byte> ApplicationProtocol => H2;

        public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult<X509Certificate2?>(null);
    }
}
