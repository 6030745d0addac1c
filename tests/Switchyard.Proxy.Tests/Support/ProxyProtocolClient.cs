using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Switchyard.Proxy.Tests.Support;

/// <summary>Raw connections that start with PROXY protocol headers built byte by byte (independently of the proxy's own writer).</summary>
internal static class ProxyProtocolClient
{
    public static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>A v2 PROXY header for TCP over IPv4 or IPv6, with optional TLV bytes after the addresses.</summary>
    public static byte[] V2(IPEndPoint source, IPEndPoint destination, byte[]? tlvs = null)
    {
        var v6 = source.AddressFamily == AddressFamily.InterNetworkV6;
        var addresses = new List<byte>();
        addresses.AddRange(source.Address.GetAddressBytes());
        addresses.AddRange(destination.Address.GetAddressBytes());
        addresses.AddRange([(byte)(source.Port >> 8), (byte)source.Port, (byte)(destination.Port >> 8), (byte)destination.Port]);
        addresses.AddRange(tlvs ?? []);
        return [.. V2Signature, 0x21, (byte)(v6 ? 0x21 : 0x11), (byte)(addresses.Count >> 8), (byte)addresses.Count, .. addresses];
    }

    /// <summary>A v2 LOCAL header (no addresses).</summary>
    public static byte[] V2Local() => [.. V2Signature, 0x20, 0x00, 0x00, 0x00];

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    /// <summary>
    /// Connects from <paramref name="from"/> (any loopback address) to <paramref name="port"/> on <paramref name="to"/>,
    /// sends <paramref name="bytes"/>, and reads until the server closes or goes quiet; <c>Closed</c> says whether it
    /// closed (FIN or reset) within <paramref name="seconds"/>.
    /// </summary>
    public static async Task<(string Received, bool Closed)> ExchangeAsync(IPAddress from, IPAddress to, int port, byte[] bytes, double seconds = 5)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(from, 0));
        await socket.ConnectAsync(to, port);
        if (bytes.Length > 0) await socket.SendAsync(bytes);
        return await ReadAsync(socket, seconds);
    }

    public static async Task<(string Received, bool Closed)> ReadAsync(Socket socket, double seconds)
    {
        var buffer = new byte[65536];
        var total = new StringBuilder();
        using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, quiet.Token);
                if (n == 0) return (total.ToString(), true);
                total.Append(Encoding.ASCII.GetString(buffer, 0, n));
                var text = total.ToString();
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                // A complete answer (with its Content-Length body) is enough: the connection is kept alive after it.
                if (end >= 0 && ContentLength(text[..end]) is { } length && text.Length >= end + 4 + length) return (text, false);
            }
        }
        catch (OperationCanceledException)
        {
            return (total.ToString(), false);
        }
        catch (SocketException)
        {
            return (total.ToString(), true);
        }
    }

    private static int? ContentLength(string head)
    {
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase) && int.TryParse(line[15..].Trim(), out var n)) return n;
        }
        return null;
    }

    /// <summary>A response header's value from a raw HTTP/1.1 answer; null when absent.</summary>
    public static string? Header(string response, string name)
    {
        foreach (var line in response.Split("\r\n"))
        {
            if (line.Length == 0) break;
            if (line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)) return line[(name.Length + 1)..].Trim();
        }
        return null;
    }

    /// <summary>What follows the head of a raw HTTP/1.1 answer.</summary>
    public static string Body(string response) => response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
}
