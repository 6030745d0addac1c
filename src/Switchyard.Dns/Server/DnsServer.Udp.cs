using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Switchyard.Dns.Answer;
using Switchyard.Dns.Zone;

namespace Switchyard.Dns.Server;

/// <summary>
/// The UDP receive loops. On 64-bit Linux a loop takes every queued datagram (up to <see cref="DnsOptions.UdpBatchSize"/>)
/// with one <c>recvmmsg</c>, answers them into per-slot buffers and sends all answers with one <c>sendmmsg</c>: the
/// system-call cost, most of the time per query, is paid once per batch (docs/decisions/0005-dns-udp-batching.md).
/// Elsewhere, or with a batch size of 1, it does one <c>recvfrom</c> and one <c>sendto</c> per query.
/// </summary>
internal sealed partial class DnsServer
{
    /// <summary>How often a loop blocked in <c>recvmmsg</c> wakes up to notice shutdown.</summary>
    private const int ReceiveWakeMilliseconds = 500;

    private bool Batching => _options.UdpBatchSize > 1 && UdpBatch.IsSupported;

    private void ConfigureUdp(Socket udp)
    {
        if (!Batching) return;
        // SO_RCVTIMEO (struct timeval): a blocked recvmmsg returns EAGAIN now and then, so the loop sees shutdown.
        Span<byte> timeval = stackalloc byte[16];
        BitConverter.TryWriteBytes(timeval, 0L);
        BitConverter.TryWriteBytes(timeval[8..], ReceiveWakeMilliseconds * 1000L);
        udp.SetRawSocketOption(LinuxSockets.SolSocket, LinuxSockets.SoRcvTimeo, timeval);
    }

    private void UdpLoop()
    {
        var socket = _udp!;
        try
        {
            if (Batching)
            {
                try
                {
                    BatchUdpLoop(socket);
                    return;
                }
                catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
                {
                    // No recvmmsg in this libc: serve one datagram per call.
                }
            }
            SingleUdpLoop(socket);
        }
        catch (ObjectDisposedException) when (_stop.IsCancellationRequested)
        {
            // Stopped before the loop took hold of the socket (a server started and stopped at once): nothing to serve.
            // On its own thread, an exception here would end the process.
        }
    }

    // The loops run once per thread and never return: compile them optimized at once rather than through on-stack replacement.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BatchUdpLoop(Socket socket)
    {
        var batch = new UdpBatch(_options.UdpBatchSize);
        var infos = new ResponseInfo[batch.Capacity];
        var answered = new int[batch.Capacity];
        var token = _stop.Token;
        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = handle.DangerousGetHandle();
            while (!token.IsCancellationRequested)
            {
                var n = batch.Receive(fd);
                if (n <= 0)
                {
                    if (n == -LinuxSockets.EBadF) return;
                    if (n == -LinuxSockets.EAgain && !token.IsCancellationRequested) _ = batch.WaitReadable(fd, ReceiveWakeMilliseconds);
                    continue; // timeout, EINTR, an ICMP error surfacing on the socket, or shutdown (0)
                }
                var start = _time.GetTimestamp();
                var count = 0;
                for (var i = 0; i < n; i++)
                {
                    try
                    {
                        var request = batch.Request(i);
                        var address = batch.Address(i);
                        var outcome = _responder.Respond(request, batch.Response(i), tcp: false, AddressKey.FromLinuxSockaddr(address), out var length, out infos[count]);
                        if (outcome == QueryOutcome.Answered)
                        {
                            batch.Queue(i, length);
                            answered[count++] = i;
                        }
                        else if (outcome == QueryOutcome.Drop)
                        {
                            _metrics.RecordDrop();
                        }
                        else
                        {
                            SlowUdp(request.ToArray(), ToSocketAddress(address), outcome, start);
                        }
                    }
                    catch (Exception)
                    {
                        Interlocked.Increment(ref _internalErrors);
                    }
                }
                if (!batch.Flush(fd)) return;
                if (count == 0) continue;
                var elapsed = _time.GetElapsedTime(start);
                for (var k = 0; k < count; k++)
                {
                    _metrics.Record(infos[k].QType, infos[k].Rcode, tcp: false, infos[k].Truncated, elapsed);
                    _log?.Write(batch.Request(answered[k]), ToEndPoint(ToSocketAddress(batch.Address(answered[k]))), tcp: false, infos[k].Rcode, elapsed);
                }
            }
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SingleUdpLoop(Socket socket)
    {
        var request = new byte[ushort.MaxValue];
        var response = new byte[ushort.MaxValue];
        var address = new SocketAddress(socket.AddressFamily);
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            int received;
            try
            {
                received = socket.ReceiveFrom(request, SocketFlags.None, address);
            }
            catch (SocketException) when (!token.IsCancellationRequested)
            {
                continue; // e.g. ICMP errors surfacing on the socket: nothing to do with the next query
            }
            catch (Exception) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            var start = _time.GetTimestamp();
            try
            {
                var outcome = _responder.Respond(request.AsSpan(0, received), response, tcp: false, AddressKey.From(address), out var length, out var info);
                if (outcome == QueryOutcome.Answered)
                {
                    socket.SendTo(response.AsSpan(0, length), SocketFlags.None, address);
                    _metrics.Record(info.QType, info.Rcode, tcp: false, info.Truncated, start);
                    _log?.Write(request.AsSpan(0, received), ToEndPoint(address), tcp: false, info.Rcode, _time.GetElapsedTime(start));
                }
                else if (outcome == QueryOutcome.Drop)
                {
                    _metrics.RecordDrop();
                }
                else
                {
                    SlowUdp(request.AsSpan(0, received).ToArray(), Copy(address), outcome, start);
                }
            }
            catch (SocketException)
            {
                // The client went away between query and answer.
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (Exception)
            {
                Interlocked.Increment(ref _internalErrors);
            }
        }
    }

    private void SlowUdp(byte[] query, SocketAddress address, QueryOutcome outcome, long start)
    {
        if (Interlocked.Increment(ref _pendingSlow) > MaxPendingSlowPath)
        {
            Interlocked.Decrement(ref _pendingSlow);
            _metrics.RecordDrop();
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                var (response, info) = await _slow.ResolveAsync(query, outcome, tcp: false, _stop.Token).ConfigureAwait(false);
                // Synchronous on purpose: an asynchronous send would switch the socket to non-blocking mode, and the
                // batch loop would then poll before every receive.
                _udp!.SendTo(response, SocketFlags.None, address);
                _metrics.Record(info.QType, info.Rcode, tcp: false, info.Truncated, start);
                _log?.Write(query, ToEndPoint(address), tcp: false, info.Rcode, _time.GetElapsedTime(start));
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
            catch (Exception)
            {
                Interlocked.Increment(ref _internalErrors);
            }
            finally
            {
                Interlocked.Decrement(ref _pendingSlow);
            }
        });
    }

    private static SocketAddress Copy(SocketAddress address)
    {
        var copy = new SocketAddress(address.Family, address.Size);
        address.Buffer.Span[..address.Size].CopyTo(copy.Buffer.Span);
        return copy;
    }

    /// <summary>A Linux native sockaddr as a <see cref="SocketAddress"/>, whose buffer has that same layout.</summary>
    private static SocketAddress ToSocketAddress(ReadOnlySpan<byte> sockaddr)
    {
        var family = sockaddr.Length >= 2 && BitConverter.ToUInt16(sockaddr) == AddressKey.LinuxInet6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        var copy = new SocketAddress(family, Math.Max(sockaddr.Length, family == AddressFamily.InterNetworkV6 ? 28 : 16));
        sockaddr.CopyTo(copy.Buffer.Span);
        return copy;
    }

    private EndPoint? ToEndPoint(SocketAddress address) => _log is null ? null : new IPEndPoint(IPAddress.Any, 0).Create(address);
}
