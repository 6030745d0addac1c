using System.Net;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Forwarding;

namespace Switchyard.Proxy.ProxyProtocol;

/// <summary>
/// Connection-pool layer for endpoints reached with the PROXY protocol: a connection that began with a header names
/// one client, so it may carry only that client connection's requests. Like HAProxy (which puts the PROXY line into
/// its connection-reuse hash) and Envoy (whose upstream PROXY transport socket keys its pools by the downstream
/// addresses), idle keep-alive connections are kept per client connection, in an item of that connection, and are
/// closed when it closes. At most <see cref="MaxIdle"/> per client connection; one that the endpoint closes while
/// idle leaves at once (on the event loops).
/// </summary>
internal sealed class ClientBoundConnections
{
    /// <summary>Idle connections kept per client connection, all endpoints together (an HTTP/2 client may run several requests at once).</summary>
    public const int MaxIdle = 8;

    private static readonly object Key = new();

    private readonly List<(ConnectionPool Pool, UpstreamConnection Connection)> _idle = [];
    private readonly Action<UpstreamConnection> _closedWhileIdle;
    private bool _closed;

    private ClientBoundConnections() => _closedWhileIdle = Remove;

    /// <summary>
    /// The header a new connection to <paramref name="pool"/> starts with for this request's client connection. Its
    /// source is the connection's peer (the PROXY header's source, if one was accepted), never a client taken from a
    /// trusted X-Forwarded-For: a header describes a connection, and one connection from an L7 load balancer carries
    /// the requests of many clients.
    /// </summary>
    public static byte[] Header(HttpContext context, ConnectionPool pool)
    {
        var connection = context.Connection;
        var source = context.Features.Get<IConnectionEndPointFeature>()?.RemoteEndPoint as IPEndPoint
            ?? (connection.RemoteIpAddress is { } remote ? new IPEndPoint(remote, connection.RemotePort) : null);
        var destination = connection.LocalIpAddress is { } local ? new IPEndPoint(local, connection.LocalPort) : null;
        return ProxyHeaderWriter.Write(pool.ProxyProtocol, source, destination);
    }

    /// <summary>An idle connection to <paramref name="pool"/> opened for this request's client connection, or null.</summary>
    public static UpstreamConnection? TryRent(HttpContext context, ConnectionPool pool) => Of(context, create: false)?.TryRent(pool);

    /// <summary>Keeps <paramref name="connection"/> for the next request of this client connection to <paramref name="pool"/>, or closes it.</summary>
    public static void Return(HttpContext context, ConnectionPool pool, UpstreamConnection connection)
    {
        if (pool.Draining || !connection.Reusable || Of(context, create: true) is not { } kept || !kept.TryKeep(pool, connection)) connection.Dispose();
    }

    private static ClientBoundConnections? Of(HttpContext context, bool create)
    {
        if (context.Features.Get<IConnectionItemsFeature>()?.Items is not { } items) return null;
        lock (items)
        {
            if (items.TryGetValue(Key, out var found)) return (ClientBoundConnections?)found;
            if (!create || context.Features.Get<IConnectionLifetimeFeature>() is not { } lifetime) return null;
            var created = new ClientBoundConnections();
            items[Key] = created;
            lifetime.ConnectionClosed.Register(static s => ((ClientBoundConnections)s!).CloseAll(), created);
            return created;
        }
    }

    private UpstreamConnection? TryRent(ConnectionPool pool)
    {
        lock (_idle)
        {
            for (var i = _idle.Count - 1; i >= 0; i--)
            {
                if (_idle[i].Pool != pool) continue;
                var connection = _idle[i].Connection;
                _idle.RemoveAt(i);
                if (pool.Draining || !connection.TryLeaveIdle() || connection.PeerClosed)
                {
                    connection.Dispose();
                    continue;
                }
                return connection;
            }
        }
        return null;
    }

    private bool TryKeep(ConnectionPool pool, UpstreamConnection connection)
    {
        lock (_idle)
        {
            if (_closed || _idle.Count >= MaxIdle) return false;
            connection.EnterIdle(_closedWhileIdle);
            _idle.Add((pool, connection));
        }
        return true;
    }

    private void Remove(UpstreamConnection connection)
    {
        lock (_idle) _idle.RemoveAll(e => e.Connection == connection);
        connection.Dispose();
    }

    private void CloseAll()
    {
        List<(ConnectionPool, UpstreamConnection Connection)> all;
        lock (_idle)
        {
            _closed = true;
            all = [.. _idle];
            _idle.Clear();
        }
        foreach (var e in all)
        {
            if (e.Connection.TryLeaveIdle()) e.Connection.Dispose();
        }
    }
}
