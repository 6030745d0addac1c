using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Switchyard.Dns.Wire;

namespace Switchyard.Dns.Forwarding;

/// <summary>
/// Asks one question of upstream resolvers in order: over UDP with EDNS0 (random ID, answer accepted only from the
/// upstream with the same ID and question), retried over TCP when truncated. The first usable answer wins; each
/// failure (timeout, refused connection, SERVFAIL, garbage) counts as an upstream error and the next one is tried.
/// </summary>
internal sealed class UpstreamClient
{
    private const ushort AdvertisedPayload = 1232;
    private readonly IReadOnlyList<IPEndPoint> _upstreams;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;

    public UpstreamClient(IReadOnlyList<IPEndPoint> upstreams, TimeSpan timeout, TimeProvider time)
    {
        _upstreams = upstreams;
        _timeout = timeout;
        _time = time;
    }

    public int Errors;

    public async ValueTask<UpstreamAnswer?> QueryAsync(DnsQuestion question, bool checkingDisabled, CancellationToken cancellationToken)
    {
        foreach (var upstream in _upstreams)
        {
            var id = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
            var writer = new DnsMessageWriter();
            writer.WriteHeader(id, (ushort)(DnsHeader.RD | (checkingDisabled ? DnsHeader.CD : 0)));
            writer.WriteQuestion(question);
            writer.WriteOpt(AdvertisedPayload);
            var query = writer.ToArray();
            using var timeout = new CancellationTokenSource(_timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
            try
            {
                var message = await UdpAsync(upstream, query, id, question, linked.Token).ConfigureAwait(false);
                if (message is { Truncated: true }) message = await TcpAsync(upstream, query, id, question, linked.Token).ConfigureAwait(false);
                if (message is null || message.ResponseCode is not (0 or 3))
                {
                    Interlocked.Increment(ref Errors);
                    continue;
                }
                return new UpstreamAnswer((ResponseCode)message.ResponseCode, message.Answers, message.Authority, message.Additional);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or IOException && !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref Errors);
            }
        }
        return null;
    }

    private static async Task<DnsMessage?> UdpAsync(IPEndPoint upstream, byte[] query, ushort id, DnsQuestion question, CancellationToken token)
    {
        using var socket = new Socket(upstream.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        await socket.ConnectAsync(upstream, token).ConfigureAwait(false);
        await socket.SendAsync(query, SocketFlags.None, token).ConfigureAwait(false);
        var buffer = new byte[ushort.MaxValue];
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, token).ConfigureAwait(false);
            if (Matches(buffer.AsSpan(0, n), id, question, out var message)) return message;
            // Not our answer (late, spoofed or garbage): keep waiting until the timeout.
        }
    }

    private static async Task<DnsMessage?> TcpAsync(IPEndPoint upstream, byte[] query, ushort id, DnsQuestion question, CancellationToken token)
    {
        using var socket = new Socket(upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(upstream, token).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var framed = new byte[query.Length + 2];
        framed[0] = (byte)(query.Length >> 8);
        framed[1] = (byte)query.Length;
        query.CopyTo(framed, 2);
        await stream.WriteAsync(framed, token).ConfigureAwait(false);
        var prefix = new byte[2];
        await stream.ReadExactlyAsync(prefix, token).ConfigureAwait(false);
        var response = new byte[(prefix[0] << 8) | prefix[1]];
        await stream.ReadExactlyAsync(response, token).ConfigureAwait(false);
        return Matches(response, id, question, out var message) ? message : null;
    }

    private static bool Matches(ReadOnlySpan<byte> packet, ushort id, DnsQuestion question, out DnsMessage message)
    {
        if (!DnsMessageReader.TryRead(packet, out message)) return false;
        return message.IsResponse && message.Id == id && message.Questions.Count == 1
            && string.Equals(DnsNames.Lower(message.Questions[0].Name), DnsNames.Lower(question.Name), StringComparison.Ordinal)
            && message.Questions[0].Type == question.Type;
    }
}
