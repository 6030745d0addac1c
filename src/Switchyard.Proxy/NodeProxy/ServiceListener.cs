using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Switchyard.Proxy.NodeProxy;

/// <summary>
/// The listener layer: one bound cluster IP:port. Accepts connections and hands each to an endpoint
/// from the current target (swapped atomically by <see cref="Update"/>: new connections use the new
/// endpoints, established ones keep theirs). A connect that fails or times out tries the next
/// endpoint; with none left, or none at all, the client connection is closed. Bytes are copied both
/// ways, with half-close passed through. Closing the listener leaves established connections alone.
/// </summary>
internal sealed class ServiceListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NodeProxyOptions _options;
    private readonly SemaphoreSlim _connectionSlots;
    private readonly EndpointPicker _picker;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private volatile ServicePortTarget _target;
    private Task _accepting = Task.CompletedTask;

    private ServiceListener(Socket socket, ListenKey key, ServicePortTarget target, NodeProxyOptions options, SemaphoreSlim slots, TimeProvider time, ILogger logger)
    {
        _socket = socket;
        Key = key;
        _target = target;
        _options = options;
        _connectionSlots = slots;
        _picker = new EndpointPicker(time);
        _logger = logger;
    }

    public ListenKey Key { get; }
    public ServicePortTarget Target => _target;

    /// <summary>Binds and starts accepting; a bind failure (address in use, not local) is an exception for the caller to report.</summary>
    public static ServiceListener Start(ListenKey key, ServicePortTarget target, NodeProxyOptions options, SemaphoreSlim slots, TimeProvider time, ILogger logger)
    {
        var socket = new Socket(key.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(key.Address, key.Port));
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var listener = new ServiceListener(socket, key, target, options, slots, time, logger);
        listener._accepting = Task.Run(listener.AcceptLoopAsync);
        return listener;
    }

    public void Update(ServicePortTarget target) => _target = target;

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || _stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                _logger.LogDebug(e, "accept on {Listen} failed", Key);
                continue;
            }
            if (!_connectionSlots.Wait(0))
            {
                _logger.LogWarning("{Listen} ({Service}): connection limit {Limit} reached; refusing a connection", Key, _target.Describe, _options.MaxConnections);
                client.Dispose();
                continue;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        try
        {
            var target = _target;
            var clientIp = (client.RemoteEndPoint as IPEndPoint)?.Address;
            var upstream = await ConnectAsync(target, clientIp);
            if (upstream is null) return;
            using (upstream)
            {
                await PumpAsync(client, upstream);
            }
        }
        catch (Exception e)
        {
            _logger.LogDebug(e, "{Listen}: connection ended with an error", Key);
        }
        finally
        {
            client.Dispose();
            _connectionSlots.Release();
        }
    }

    private async Task<Socket?> ConnectAsync(ServicePortTarget target, IPAddress? client)
    {
        var order = _picker.Order(target, client, _options.MaxConnectAttempts);
        if (order.Count == 0)
        {
            _logger.LogInformation("service {Service} ({Listen}): no ready endpoints; closing the connection", target.Describe, Key);
            return null;
        }
        foreach (var endpoint in order)
        {
            var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(_options.ConnectTimeout);
            try
            {
                await socket.ConnectAsync(endpoint, timeout.Token);
                _picker.Connected(target, client, endpoint);
                return socket;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                _logger.LogInformation("service {Service}: endpoint {Endpoint} failed ({Error}); trying the next", target.Describe, endpoint, e.Message);
            }
        }
        _logger.LogWarning("service {Service} ({Listen}): no endpoint accepted the connection after {Attempts} attempts", target.Describe, Key, order.Count);
        return null;
    }

    private static async Task PumpAsync(Socket a, Socket b)
    {
        var up = CopyAsync(a, b);
        var down = CopyAsync(b, a);
        var first = await Task.WhenAny(up, down);
        // One side failed (reset): tear both down. One side finished cleanly: let the other drain.
        if (first.IsFaulted)
        {
            a.Dispose();
            b.Dispose();
        }
        await Task.WhenAll(up.ContinueWith(_ => { }, TaskScheduler.Default), down.ContinueWith(_ => { }, TaskScheduler.Default));
    }

    private static async Task CopyAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var n = await from.ReceiveAsync(buffer, SocketFlags.None);
            if (n == 0)
            {
                try
                {
                    to.Shutdown(SocketShutdown.Send);
                }
                catch (SocketException)
                {
                }
                return;
            }
            await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _accepting;
        _stop.Dispose();
    }
}
