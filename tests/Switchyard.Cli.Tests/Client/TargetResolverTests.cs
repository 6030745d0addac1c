using Switchyard.Cli.Client;

namespace Switchyard.Cli.Tests.Client;

public class TargetResolverTests
{
    private static CliEnvironment Env(CliRunner cli) => new()
    {
        Out = TextWriter.Null,
        Error = TextWriter.Null,
        GetVariable = name => cli.Variables.GetValueOrDefault(name),
        CurrentDirectory = cli.Directory,
    };

    [Fact]
    public void Resolve_NothingConfigured_UsesDefaultAddressAndSaysWhereItLookedForAToken()
    {
        using var cli = new CliRunner();
        var target = TargetResolver.Resolve(new TargetFlags(null, null, null), Env(cli)).Value!;
        Assert.Equal("http://127.0.0.1:7443/", target.Server.ToString());
        Assert.Null(target.Token);
        Assert.Contains(Path.Combine(cli.Directory, ".switchyard", "admin.token"), target.TokenSource, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_DefaultStateDirHasToken_ReadsIt()
    {
        using var cli = new CliRunner();
        var path = cli.Write(".switchyard/admin.token", "tok-default\n");
        var target = TargetResolver.Resolve(new TargetFlags(null, null, null), Env(cli)).Value!;
        Assert.Equal("tok-default", target.Token);
        Assert.Equal(path, target.TokenSource);
    }

    [Fact]
    public void Resolve_CurrentContextBeatsDefaults()
    {
        using var cli = new CliRunner();
        cli.Write(".switchyard/admin.token", "tok-default");
        var tokenFile = cli.Write("elsewhere/admin.token", "tok-context");
        new CurrentContext("http://127.0.0.1:9999", tokenFile, null).Write(Path.Combine(cli.Directory, "config", "switchyard"));
        var target = TargetResolver.Resolve(new TargetFlags(null, null, null), Env(cli)).Value!;
        Assert.Equal("http://127.0.0.1:9999/", target.Server.ToString());
        Assert.Equal("tok-context", target.Token);
    }

    [Fact]
    public void Resolve_EnvironmentBeatsCurrentContext()
    {
        using var cli = new CliRunner();
        new CurrentContext("http://127.0.0.1:9999", cli.Write("ctx/admin.token", "tok-context"), null).Write(Path.Combine(cli.Directory, "config", "switchyard"));
        cli.Variables["SWITCHYARD_SERVER"] = "127.0.0.1:8888";
        cli.Variables["SWITCHYARD_TOKEN"] = "tok-env";
        var target = TargetResolver.Resolve(new TargetFlags(null, null, null), Env(cli)).Value!;
        Assert.Equal("http://127.0.0.1:8888/", target.Server.ToString());
        Assert.Equal("SWITCHYARD_SERVER", target.ServerSource);
        Assert.Equal("tok-env", target.Token);
    }

    [Fact]
    public void Resolve_FlagsBeatEnvironment()
    {
        using var cli = new CliRunner();
        cli.Variables["SWITCHYARD_SERVER"] = "http://127.0.0.1:8888";
        cli.Variables["SWITCHYARD_TOKEN"] = "tok-env";
        cli.Write("mystate/admin.token", "tok-statedir");
        var byToken = TargetResolver.Resolve(new TargetFlags("http://127.0.0.1:7777", "tok-flag", "mystate"), Env(cli)).Value!;
        Assert.Equal("http://127.0.0.1:7777/", byToken.Server.ToString());
        Assert.Equal("tok-flag", byToken.Token);
        var byStateDir = TargetResolver.Resolve(new TargetFlags(null, null, "mystate"), Env(cli)).Value!;
        Assert.Equal("tok-statedir", byStateDir.Token);
    }

    [Fact]
    public void Resolve_InvalidServerUrl_IsAnError()
    {
        using var cli = new CliRunner();
        var result = TargetResolver.Resolve(new TargetFlags("ftp://x", null, null), Env(cli));
        Assert.Equal("invalid server URL \"ftp://x\" (from --server): expected http://HOST:PORT", result.Error!.Message);
    }
}
