using System.CommandLine;
using System.Globalization;
using System.Net;

namespace Switchyard.Cli.Commands.DemoApp;

/// <summary>
/// <c>switchyard demo-app</c>: the demo HTTP service the examples run in their pods. Listens on
/// $POD_IP:$PORT (else 127.0.0.1:8080); names pods, namespace and version from $POD_NAME,
/// $POD_NAMESPACE and $VERSION; resolves upstream names through $SWITCHYARD_DNS with a pod's search path.
/// </summary>
internal static class DemoAppCommand
{
    public static Command Build(CommandSetup setup)
    {
        var port = new Option<int?>("--port") { Description = "Port to listen on (default: $PORT, else 8080)", HelpName = "PORT" };
        var listen = new Option<string?>("--listen") { Description = "IP address to listen on (default: $POD_IP, else 127.0.0.1)", HelpName = "IP" };
        var latency = new Option<string?>("--latency") { Description = "Delay every answer: 50ms, 1s, or a range 50ms-200ms", HelpName = "DURATION" };
        var errorRate = new Option<double>("--error-rate") { Description = "Answer this fraction of requests (0 to 1) with 500", HelpName = "RATE" };
        var upstreams = new Option<string[]>("--upstream")
        {
            Description = "Call this URL on every request and include its answer; repeatable (e.g. http://payments-api:8080/pay)",
            HelpName = "URL",
            AllowMultipleArgumentsPerToken = false,
        };
        var dns = new Option<string?>("--dns") { Description = "DNS server for upstream names, IP[:PORT] (default: $SWITCHYARD_DNS, else the system resolver)", HelpName = "ADDR" };
        var appVersion = new Option<string?>("--app-version") { Description = "Version reported in answers (default: $VERSION)", HelpName = "VERSION" };
        var command = new Command("demo-app", "Run the demo HTTP service used by the examples: answers JSON about the pod and the request, "
            + "with /healthz and /readyz (toggle with POST /readyz/fail and /readyz/ok), injected latency and errors, and calls to upstream services by name.")
        {
            port, listen, latency, errorRate, upstreams, dns, appVersion,
        };
        setup.Examples(command,
            "switchyard demo-app --port 8080",
            "switchyard demo-app --latency 50ms-200ms --error-rate 0.1",
            "switchyard demo-app --upstream http://payments-api:8080/pay --upstream http://catalog:8080/items");
        setup.SetAction(command, async (context, ct) =>
        {
            var env = context.Env;
            var errors = new List<string>();
            var ipText = context.Get(listen) ?? env.GetVariable("POD_IP") ?? "127.0.0.1";
            if (!IPAddress.TryParse(ipText, out var ip)) errors.Add($"--listen: \"{ipText}\" is not an IP address");
            var portNumber = context.Get(port) ?? ParsePort(env.GetVariable("PORT"), errors) ?? 8080;
            if (portNumber is < 0 or > 65535) errors.Add($"--port: {portNumber} is not a port (0-65535)");
            var delay = LatencySpec.None;
            if (context.Get(latency) is { } latencyText)
            {
                var (parsed, error) = LatencySpec.Parse(latencyText);
                if (error is not null) errors.Add($"--latency: {error}");
                else delay = parsed!;
            }
            var rate = context.Get(errorRate);
            if (rate is < 0 or > 1 || double.IsNaN(rate)) errors.Add($"--error-rate: {rate.ToString(CultureInfo.InvariantCulture)} must be between 0 and 1");
            var urls = new List<Uri>();
            foreach (var text in context.Get(upstreams) ?? [])
            {
                if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == "http") urls.Add(uri);
                else errors.Add($"--upstream: \"{text}\" is not an absolute http:// URL");
            }
            var dnsText = context.Get(dns) ?? env.GetVariable("SWITCHYARD_DNS");
            IPEndPoint? dnsEndpoint = null;
            if (!string.IsNullOrEmpty(dnsText))
            {
                dnsEndpoint = ParseEndpoint(dnsText);
                if (dnsEndpoint is null) errors.Add($"--dns: \"{dnsText}\" is not IP or IP:PORT");
            }
            if (errors.Count > 0) return context.Usage(string.Join("\n", errors));

            var ns = env.GetVariable("POD_NAMESPACE") is { Length: > 0 } n ? n : "default";
            var options = new DemoAppOptions
            {
                Listen = new IPEndPoint(ip!, portNumber),
                Pod = env.GetVariable("POD_NAME") ?? env.GetVariable("HOSTNAME") ?? "demo-app",
                Namespace = ns,
                Version = context.Get(appVersion) ?? env.GetVariable("VERSION") ?? "",
                Latency = delay,
                ErrorRate = rate,
                Upstreams = urls,
                Dns = dnsEndpoint,
                SearchDomains = DemoAppOptions.SearchPath(ns),
            };
            return await RunAsync(context, options, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, DemoAppOptions options, CancellationToken ct)
    {
        using var stop = new ForegroundStop(context.Env, ct, stopOnHangup: true);
        DemoAppServer server;
        try
        {
            server = await DemoAppServer.StartAsync(options, cancellationToken: ct);
        }
        catch (IOException e)
        {
            return context.Fail($"cannot listen on {options.Listen}: {e.Message}");
        }
        await using (server)
        {
            var upstreams = options.Upstreams.Count == 0 ? "none" : string.Join(", ", options.Upstreams);
            context.Out.WriteLine($"demo-app {options.Pod} ({options.Namespace}, version {(options.Version.Length > 0 ? options.Version : "-")}) listening on {server.Url}");
            context.Out.WriteLine($"  latency {options.Latency}, error rate {options.ErrorRate.ToString(CultureInfo.InvariantCulture)}, upstreams {upstreams}, dns {options.Dns?.ToString() ?? "system"}");
            await context.Out.FlushAsync(CancellationToken.None);
            await stop.WaitAsync();
        }
        return ExitCodes.Ok;
    }

    private static int? ParsePort(string? text, List<string> errors)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var p)) return p;
        errors.Add($"$PORT: \"{text}\" is not a port number");
        return null;
    }

    /// <summary>IP (port 53), IPv4:PORT or [IPv6]:PORT; null when it is neither.</summary>
    internal static IPEndPoint? ParseEndpoint(string text)
    {
        var colons = text.Count(c => c == ':');
        if (text.StartsWith('[') || colons == 1) return IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port != 0 ? endpoint : null;
        return (text.Contains('.', StringComparison.Ordinal) || colons > 1) && IPAddress.TryParse(text, out var ip) ? new IPEndPoint(ip, 53) : null;
    }
}
