using System.Net;

namespace Switchyard.Dns.Forwarding;

/// <summary>Reads the <c>nameserver</c> lines of a resolv.conf file (port 53 each).</summary>
public static class ResolvConf
{
    public static IReadOnlyList<IPEndPoint> Parse(string text)
    {
        var servers = new List<IPEndPoint>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            var comment = line.IndexOfAny(['#', ';']);
            if (comment >= 0) line = line[..comment];
            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && parts[0] == "nameserver" && IPAddress.TryParse(parts[1].Split('%')[0], out var ip))
                servers.Add(new IPEndPoint(ip, 53));
        }
        return servers;
    }

    public static IReadOnlyList<IPEndPoint> Load(string path) => Parse(File.ReadAllText(path));
}
