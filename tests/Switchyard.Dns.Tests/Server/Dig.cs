using System.Diagnostics;

namespace Switchyard.Dns.Tests.Server;

/// <summary>Runs the real <c>dig</c> and reads its answer: status, flags, and answer/authority records without TTLs.</summary>
internal static class Dig
{
    public static bool Available => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "dig")));

    public const string Missing = "dig is not installed; ./test installs it (package dnsutils) when run as root";

    public static async Task<DigResult> QueryAsync(int port, string name, string type, bool tcp = false, params string[] extra)
    {
        var args = new List<string> { "@127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "+tries=1", "+time=3", "+nocookie", "+noall", "+comments", "+answer", "+authority" };
        if (tcp) args.Add("+tcp");
        args.AddRange(extra);
        args.Add(name);
        args.Add(type);
        var psi = new ProcessStartInfo("dig") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return DigResult.Parse(output);
    }
}

internal sealed record DigResult(string Status, IReadOnlyList<string> Flags, IReadOnlyList<string> Answers, IReadOnlyList<string> Authority, string Raw)
{
    public static DigResult Parse(string output)
    {
        var status = "";
        var flags = new List<string>();
        var answers = new List<string>();
        var authority = new List<string>();
        List<string>? section = null;
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith(";; ->>HEADER<<-", StringComparison.Ordinal))
            {
                var i = line.IndexOf("status: ", StringComparison.Ordinal);
                status = line[(i + 8)..].Split(',')[0];
            }
            else if (line.StartsWith(";; flags:", StringComparison.Ordinal))
            {
                flags.AddRange(line[9..].Split(';')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
            else if (line.StartsWith(";; ANSWER SECTION", StringComparison.Ordinal)) section = answers;
            else if (line.StartsWith(";; AUTHORITY SECTION", StringComparison.Ordinal)) section = authority;
            else if (line.StartsWith(";;", StringComparison.Ordinal) || line.Length == 0) { if (line.Length == 0) section = null; }
            else if (section is not null && !line.StartsWith(';'))
            {
                var parts = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                // owner TTL class type data... -> "owner type data" (owner lowercased)
                section.Add($"{parts[0].ToLowerInvariant()} {parts[3]} {string.Join(' ', parts[4..])}");
            }
        }
        return new DigResult(status, flags, answers, authority, output);
    }
}
