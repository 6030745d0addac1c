using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Switchyard.Dns.Wire;

namespace Switchyard.Cli.Commands.DemoApp;

/// <summary>
/// A stub resolver for the demo app, behaving like a pod's libc with Switchyard's resolv.conf:
/// A queries over UDP to the cluster DNS server; names with fewer than 5 dots (ndots:5) are tried with
/// each search domain first, then as given; a trailing dot means absolute. NXDOMAIN or no address moves
/// on to the next candidate; without a DNS server the system resolver answers.
/// </summary>
internal sealed class ClusterDnsResolver(IPEndPoint? server, IReadOnlyList<string> searchDomains, TimeSpan timeout)
{
    private const int NDots = 5;

    public async Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var literal)) return [literal];
        if (server is null) return await System.Net.Dns.GetHostAddressesAsync(host, AddressFamily.InterNetwork, cancellationToken);
        foreach (var name in Candidates(host))
        {
            var addresses = await QueryAsync(server, name, cancellationToken);
            if (addresses.Count > 0) return addresses;
        }
        throw new SocketException((int)SocketError.HostNotFound, $"{host}: no such host (asked {server}, search {string.Join(" ", searchDomains)})");
    }

    public IEnumerable<string> Candidates(string host)
    {
        if (host.EndsWith('.'))
        {
            yield return host.TrimEnd('.');
            yield break;
        }
        var dots = host.Count(c => c == '.');
        if (dots >= NDots) yield return host;
        foreach (var domain in searchDomains) yield return $"{host}.{domain}";
        if (dots < NDots) yield return host;
    }

    private async Task<IReadOnlyList<IPAddress>> QueryAsync(IPEndPoint dns, string name, CancellationToken cancellationToken)
    {
        var id = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        var writer = new DnsMessageWriter();
        writer.WriteHeader(id, 0x0100); // RD
        writer.WriteQuestion(new DnsQuestion(name, RecordType.A));
        using var socket = new Socket(dns.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        await socket.ConnectAsync(dns, deadline.Token);
        await socket.SendAsync(writer.ToArray(), SocketFlags.None, deadline.Token);
        var buffer = new byte[4096];
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            if (!DnsMessageReader.TryRead(buffer.AsSpan(0, n), out var message) || message.Id != id) continue;
            if (message.ResponseCode != 0) return [];
            return [.. message.Answers.Where(a => a.Type == RecordType.A).Select(a => a.Data).OfType<AddressData>().Select(a => a.Address)];
        }
    }
}
