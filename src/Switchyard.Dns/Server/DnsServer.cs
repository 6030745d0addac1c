using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Switchyard.Dns.Answer;
using Switchyard.Dns.Metrics;
using Switchyard.Dns.Zone;

namespace Switchyard.Dns.Server;

/// <summary>
/// The transport layer: UDP and TCP on one port. UDP is served by dedicated threads (DnsServer.Udp.cs) that take
/// many datagrams per system call on Linux, with buffers allocated once per thread, so an in-zone query allocates
/// nothing; queries that need the slow path are handed to the thread pool with copies of the packet and address.
/// TCP (RFC 7766) takes length-prefixed queries, many per connection, one at a time, and closes idle connections.
/// </summary>
internal sealed partial class DnsServer : IAsyncDisposable
{
    private const int MaxPendingSlowPath = 4096;
    private readonly DnsOptions _options;
    private readonly QueryResponder _responder;
    private readonly SlowPathResolver _slow;
    private readonly DnsMetrics _metrics;
    private readonly QueryLog? _log;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Thread> _udpThreads = [];
    private Socket? _udp;
    private Socket? _tcp;
    private Task? _acceptLoop;
    private int _pendingSlow;
    private int _tcpConnections;
    private long _internalErrors;

    public DnsServer(DnsOptions options, QueryResponder responder, SlowPathResolver slow, DnsMetrics metrics, QueryLog? log, TimeProvider time)
    {
        _options = options;
        _responder = responder;
        _slow = slow;
        _metrics = metrics;
        _log = log;
        _time = time;
    }

    public IPEndPoint? Endpoint { get; private set; }

    /// <summary>Queries whose handling threw (a bug); the server answers nothing for them and keeps going.</summary>
    public long InternalErrors => Interlocked.Read(ref _internalErrors);

    public void Start()
    {
        (_udp, _tcp) = Bind(_options.Listen);
        Endpoint = (IPEndPoint)_udp.LocalEndPoint!;
        ConfigureUdp(_udp);
        for (var i = 0; i < _options.UdpReceiveLoops; i++)
        {
            var thread = new Thread(UdpLoop) { IsBackground = true, Name = $"dns-udp-{i}" };
            _udpThreads.Add(thread);
            thread.Start();
        }
        _acceptLoop = AcceptLoopAsync(_stop.Token);
    }

    /// <summary>Binds UDP and TCP to the same port; with port 0, retries until a port free for both is found.</summary>
    private static (Socket Udp, Socket Tcp) Bind(IPEndPoint listen)
    {
        for (var attempt = 0; ; attempt++)
        {
            var udp = new Socket(listen.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                udp.Bind(listen);
                var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
                var tcp = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    tcp.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                    tcp.Bind(new IPEndPoint(listen.Address, port));
                    tcp.Listen(512);
                    return (udp, tcp);
                }
                catch (SocketException) when (listen.Port == 0 && attempt < 20)
                {
                    tcp.Dispose();
                    udp.Dispose();
                }
            }
            catch
            {
                udp.Dispose();
                throw;
            }
        }
    }

    private async Task AcceptLoopAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _tcp!.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            if (Interlocked.Increment(ref _tcpConnections) > _options.MaxTcpConnections)
            {
                Interlocked.Decrement(ref _tcpConnections);
                client.Dispose();
                continue;
            }
            _ = ServeConnectionAsync(client, token);
        }
    }

    private async Task ServeConnectionAsync(Socket client, CancellationToken token)
    {
        var request = ArrayPool<byte>.Shared.Rent(ushort.MaxValue);
        var response = ArrayPool<byte>.Shared.Rent(ushort.MaxValue + 2);
        var peer = client.RemoteEndPoint as IPEndPoint;
        var source = peer is null ? 0 : AddressKey.From(peer.Address.IsIPv4MappedToIPv6 ? peer.Address.MapToIPv4() : peer.Address);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(token);
        try
        {
            await using var stream = new NetworkStream(client, ownsSocket: true);
            while (true)
            {
                idle.CancelAfter(_options.TcpIdleTimeout);
                await stream.ReadExactlyAsync(request.AsMemory(0, 2), idle.Token).ConfigureAwait(false);
                var length = (request[0] << 8) | request[1];
                await stream.ReadExactlyAsync(request.AsMemory(0, length), idle.Token).ConfigureAwait(false);
                if (!idle.TryReset()) return;
                var start = _time.GetTimestamp();
                var outcome = Answer(request, length, response, source, out var written, out var info);
                if (outcome == QueryOutcome.Drop)
                {
                    _metrics.RecordDrop();
                    continue;
                }
                if (outcome != QueryOutcome.Answered)
                {
                    var (slow, slowInfo) = await _slow.ResolveAsync(request.AsSpan(0, length).ToArray(), outcome, tcp: true, token).ConfigureAwait(false);
                    slow.CopyTo(response, 2);
                    written = slow.Length;
                    info = slowInfo;
                }
                response[0] = (byte)(written >> 8);
                response[1] = (byte)written;
                await stream.WriteAsync(response.AsMemory(0, written + 2), token).ConfigureAwait(false);
                _metrics.Record(info.QType, info.Rcode, tcp: true, truncated: false, start);
                _log?.Write(request.AsSpan(0, length), peer, tcp: true, info.Rcode, _time.GetElapsedTime(start));
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or EndOfStreamException)
        {
            // Closed by the peer, idle, or shutting down.
        }
        catch (Exception)
        {
            Interlocked.Increment(ref _internalErrors);
        }
        finally
        {
            client.Dispose();
            ArrayPool<byte>.Shared.Return(request);
            ArrayPool<byte>.Shared.Return(response);
            Interlocked.Decrement(ref _tcpConnections);
        }
    }

    private QueryOutcome Answer(byte[] request, int length, byte[] response, UInt128 source, out int written, out ResponseInfo info) =>
        _responder.Respond(request.AsSpan(0, length), response.AsSpan(2, ushort.MaxValue), tcp: true, source, out written, out info);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _udp?.Dispose();
        _tcp?.Dispose();
        foreach (var t in _udpThreads) t.Join(TimeSpan.FromSeconds(2));
        if (_acceptLoop is not null) await _acceptLoop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
