using System.Net;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Listeners;

/// <summary>
/// A Secret's tls.crt with the leaf and its intermediate: the listener sends both, so a client that trusts only the
/// root verifies the chain (curl has no other way to find the intermediate).
/// </summary>
public sealed class TlsChainTests
{
    [SkippableFact]
    public async Task Curl_LeafSignedByAnIntermediate_ServerSendsTheChainAndItVerifiesAgainstTheRoot()
    {
        Curl.SkipIfMissing();
        using var ca = new TestCertificates();
        await using var backend = await EchoBackend.StartAsync("site");
        var address = IPAddress.Parse("127.0.0.3");
        var yaml = Manifests.GatewayClass
            + GatewayYaml.Gateway("tls", address, listener: "{name: https, port: 0, protocol: HTTPS, hostname: chain.example.test, tls: {certificateRefs: [{name: chain-tls}]}}")
            + GatewayYaml.HttpRoute("site", "site", "tls") + Manifests.Service("site", backend.Port) + ca.SecretViaIntermediate("chain-tls", "default", "chain.example.test");
        await using var proxy = await Manifests.StartAsync(yaml);
        var port = proxy.Listeners.Single().Value.Port;

        Assert.Equal("site ", await ca.CurlAsync("chain.example.test", port, address, "/", "CN=chain.example.test"));
    }
}
