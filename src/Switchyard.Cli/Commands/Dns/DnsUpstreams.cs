using System.Net;
using Switchyard.Dns;
using Switchyard.Dns.Forwarding;

namespace Switchyard.Cli.Commands.Dns;

/// <summary>Parses upstream resolver arguments (IP, IP:PORT or a resolv.conf path) for <c>dns serve</c> and <c>up</c>.</summary>
internal static class DnsUpstreams
{
    /// <summary>Every upstream named, or adds why an argument is not one to <paramref name="errors"/>.</summary>
    public static List<IPEndPoint> Parse(CliEnvironment env, IEnumerable<string> arguments, string flag, List<string> errors)
    {
        var upstreams = new List<IPEndPoint>();
        foreach (var u in arguments)
        {
            if (u.StartsWith('/') || u.StartsWith('.'))
            {
                var path = env.FullPath(u);
                if (!File.Exists(path)) errors.Add($"{flag} {u}: no such file");
                else if (ResolvConf.Load(path) is { Count: > 0 } servers) upstreams.AddRange(servers);
                else errors.Add($"{flag} {u}: no nameserver lines in it");
            }
            else if (DnsEndpoints.TryParse(u, 53, out var ep, out var upstreamError)) upstreams.Add(ep!);
            else errors.Add($"{flag}: {upstreamError}");
        }
        return upstreams;
    }
}
