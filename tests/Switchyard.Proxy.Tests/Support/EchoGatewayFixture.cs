namespace Switchyard.Proxy.Tests.Support;

/// <summary>
/// The fixture of test classes that send every request through one Gateway to one <see cref="EchoBackend"/> named
/// "echo": started before the tests of the class, stopped after them.
/// </summary>
public abstract class EchoGatewayFixture : IAsyncLifetime
{
    internal EchoBackend Backend { get; private set; } = null!;
    internal GatewayProxy Proxy { get; private set; } = null!;

    /// <summary>The port the Gateway's listener was bound to.</summary>
    protected int Port { get; private set; }

    /// <summary>The manifests of a Gateway routing everything to Service echo at <paramref name="backendPort"/>.</summary>
    internal static string Yaml(int backendPort) => GatewayYaml.AllTo("echo") + Manifests.Service("echo", backendPort);

    public async Task InitializeAsync()
    {
        Backend = await EchoBackend.StartAsync("echo");
        Proxy = await Manifests.StartAsync(Yaml(Backend.Port));
        Port = Manifests.Port(Proxy);
    }

    public async Task DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Backend.DisposeAsync();
    }
}
