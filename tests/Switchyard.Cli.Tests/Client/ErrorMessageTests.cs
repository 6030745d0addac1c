using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Switchyard.Cli.Tests.Client;

public class ErrorMessageTests
{
    /// <summary>Answers every request with one status code and body, and records the requests.</summary>
    private sealed class FixedHandler(HttpStatusCode code, string body) : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Task.FromResult(new HttpResponseMessage(code) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Get_NoServerListening_TellsHowToStartOne()
    {
        using var cli = new CliRunner();
        var port = FreePort();
        var run = await cli.RunAsync("get", "pods", "--server", $"http://127.0.0.1:{port}", "--token", "t");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"error: no control plane at http://127.0.0.1:{port} — start one with: switchyard up (address from --server)\n", run.Error);
    }

    [Fact]
    public async Task Get_NoServerAtDefaultAddress_OmitsWhereTheAddressCameFrom()
    {
        using var cli = new CliRunner { Handler = new SocketsHttpHandler { ConnectCallback = (_, _) => throw new HttpRequestException("Connection refused") } };
        var run = await cli.RunAsync("get", "pods");
        Assert.Equal("error: no control plane at http://127.0.0.1:7443 — start one with: switchyard up\n", run.Error);
    }

    [Fact]
    public async Task Get_TokenRefused_SaysWhereTheTokenCameFrom()
    {
        using var cli = new CliRunner
        {
            Handler = new FixedHandler(HttpStatusCode.Unauthorized, """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"""),
        };
        var tokenFile = cli.Write("state/admin.token", "stale-token");
        var run = await cli.RunAsync("get", "svc", "--server", "http://127.0.0.1:7443", "--state-dir", "state");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal(
            $"error: the control plane at http://127.0.0.1:7443 refused the token (401 Unauthorized); the token was read from {tokenFile}. "
            + "Use the admin.token of the running `switchyard up` (--state-dir DIR, --token or SWITCHYARD_TOKEN).\n",
            run.Error);
    }

    [Fact]
    public async Task Get_NoTokenAnywhere_SaysNoneWasFound()
    {
        using var cli = new CliRunner { Handler = new FixedHandler(HttpStatusCode.Unauthorized, "") };
        var run = await cli.RunAsync("get", "svc");
        Assert.StartsWith("error: the control plane at http://127.0.0.1:7443 requires a token, and none was found: no token found (looked in ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_NotFoundStatus_PrintedLikeKubectl()
    {
        var handler = new FixedHandler(HttpStatusCode.NotFound,
            """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"services \"x\" not found","reason":"NotFound","code":404}""");
        using var cli = new CliRunner { Handler = handler };
        var run = await cli.RunAsync("get", "svc", "x", "--token", "t");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("Error from server (NotFound): services \"x\" not found\n", run.Error);
        Assert.Equal("/api/v1/namespaces/default/services/x", Assert.Single(handler.Requests).RequestUri!.AbsolutePath);
        Assert.Equal("Bearer t", handler.Requests[0].Headers.Authorization!.ToString());
    }

    [Fact]
    public async Task Apply_InvalidStatus_PrintsEveryCause()
    {
        using var cli = new CliRunner
        {
            Handler = new FixedHandler((HttpStatusCode)422, """
                {"kind":"Status","apiVersion":"v1","status":"Failure","message":"Service \"web\" is invalid","reason":"Invalid","code":422,
                 "details":{"causes":[{"field":"spec.clusterIP","message":"127.96.0.10 is already allocated"},{"field":"spec.ports[0].port","message":"must be between 1 and 65535"}]}}
                """),
        };
        cli.Write("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n");
        var run = await cli.RunAsync("apply", "-f", "svc.yaml", "--token", "t");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal(
            "Error from server (Invalid): Service \"web\" is invalid\n" +
            "  spec.clusterIP: 127.96.0.10 is already allocated\n" +
            "  spec.ports[0].port: must be between 1 and 65535\n",
            run.Error);
    }
}
