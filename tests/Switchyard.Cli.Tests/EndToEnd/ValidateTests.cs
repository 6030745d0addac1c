namespace Switchyard.Cli.Tests.EndToEnd;

public class ValidateTests
{
    [Fact]
    public async Task Validate_FileWithThreeBadDocuments_ReportsAllThreeWithFileLineAndPath()
    {
        using var cli = new CliRunner();
        var file = cli.Write("bad.yaml", CliEndToEndTests.BadManifest);

        var run = await cli.RunAsync("validate", "-f", "bad.yaml");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Out);
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith($"{file}:7: Service default/bad-port: spec.ports[0].port: ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith($"{file}:12: Pod default/Bad_Name: metadata.name: ", lines[1], StringComparison.Ordinal);
        Assert.StartsWith($"{file}:22: ConfigMap default/settings: dataa: ", lines[2], StringComparison.Ordinal);
        Assert.Equal("error: 3 errors in the manifests", lines[3]);
    }

    [Fact]
    public async Task Validate_GoodDirectory_CountsObjects()
    {
        using var cli = new CliRunner();
        cli.Write("m/a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n");
        cli.Write("m/sub/b.json", """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop"}}""");

        var run = await cli.RunAsync("validate", "-f", "m");

        Assert.Equal("", run.Error);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("3 objects valid\n", run.Out);
    }

    [Fact]
    public async Task Validate_Stdin_ReadsDash()
    {
        using var cli = new CliRunner { Stdin = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n" };
        var run = await cli.RunAsync("validate", "-f", "-");
        Assert.Equal("1 object valid\n", run.Out);
    }

    [Fact]
    public async Task Validate_MissingFile_IsAnError()
    {
        using var cli = new CliRunner();
        var run = await cli.RunAsync("validate", "-f", "nope.yaml");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("nope.yaml: no such file or directory", run.Error, StringComparison.Ordinal);
    }
}
