using Switchyard.Cli.Commands;
using Switchyard.Cli.Commands.Get;
using Switchyard.Cli.Output;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Tests.Commands;

public class ParsingTests
{
    private static (GetRequest? Request, string Error) ParseGet(params string[] words)
    {
        var (request, error, _) = ParseGetWithCode(words);
        return (request, error);
    }

    private static (GetRequest? Request, string Error, int Refused) ParseGetWithCode(params string[] words)
    {
        var env = new CliEnvironment { Out = new StringWriter(), Error = new StringWriter { NewLine = "\n" } };
        var root = CliApp.BuildRoot(env);
        var context = new CliContext(env, new GlobalOptions(), root.Parse(["get", .. words]));
        var request = GetCommand.ParseWhat(context, words, "default", null, OutputFormat.Table, watch: false, out var refused);
        return (request, env.Error.ToString()!, refused);
    }

    [Theory]
    [InlineData("po", "Pod")]
    [InlineData("pods", "Pod")]
    [InlineData("pod", "Pod")]
    [InlineData("svc", "Service")]
    [InlineData("ns", "Namespace")]
    [InlineData("netpol", "NetworkPolicy")]
    [InlineData("ing", "Ingress")]
    [InlineData("deploy", "Deployment")]
    [InlineData("deployments.apps", "Deployment")]
    [InlineData("cm", "ConfigMap")]
    [InlineData("endpointslices", "EndpointSlice")]
    [InlineData("HTTPRoute", "HTTPRoute")]
    [InlineData("grpcroutes", "GRPCRoute")]
    [InlineData("grpcroute.gateway.networking.k8s.io", "GRPCRoute")]
    [InlineData("gateways.gateway.networking.k8s.io", "Gateway")]
    [InlineData("listenersets", "ListenerSet")]
    [InlineData("lset", "ListenerSet")]
    public void ParseWhat_KindName_ResolvesKind(string word, string kind)
    {
        var (request, _) = ParseGet(word);
        Assert.Equal(kind, Assert.Single(request!.Kinds).Kind);
        Assert.Empty(request.Names);
    }

    [Fact]
    public void ParseWhat_All_ExpandsToPodsServicesDeployments()
    {
        var (request, _) = ParseGet("all");
        Assert.Equal(["Pod", "Service", "Deployment"], request!.Kinds.Select(k => k.Kind).ToArray());
        Assert.True(request.TableOptions.QualifiedNames);
    }

    [Fact]
    public void ParseWhat_CommaSeparatedKindsAndSlashNames_AreUnderstood()
    {
        Assert.Equal(["Service", "Pod"], ParseGet("svc,po").Request!.Kinds.Select(k => k.Kind).ToArray());
        var (byName, _) = ParseGet("svc/web", "service/api");
        Assert.Equal(ResourceKinds.Service, Assert.Single(byName!.Kinds));
        Assert.Equal(["web", "api"], byName.Names.ToArray());
    }

    [Fact]
    public void ParseWhat_UnknownKind_SaysTheServerDoesNotHaveIt()
    {
        var (request, error, refused) = ParseGetWithCode("foo");
        Assert.Null(request);
        Assert.Equal(ExitCodes.Failure, refused);
        Assert.StartsWith("error: the server doesn't have a resource type \"foo\"\nKnown resource types: namespaces (ns), ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseWhat_NamesWithSeveralKinds_IsAUsageError()
    {
        var (request, error, refused) = ParseGetWithCode("svc,po", "web");
        Assert.Null(request);
        Assert.Equal(ExitCodes.Usage, refused);
        Assert.Contains("names can only be given with a single kind", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownOutputFormat_ExitsWithUsageCode()
    {
        using var cli = new CliRunner();
        var run = await cli.RunAsync("get", "pods", "-o", "xml");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("xml", run.Error, StringComparison.Ordinal);
        Assert.Contains("Run 'switchyard get --help' for usage.", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BadValueForASubcommand_UsageHintNamesTheWholeCommand()
    {
        using var cli = new CliRunner();
        var run = await cli.RunAsync("gateway", "serve", "-f", "x.yaml", "--io", "fast");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("'fast'", run.Error, StringComparison.Ordinal);
        Assert.Contains("Run 'switchyard gateway serve --help' for usage.", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_GetWithoutKind_ExitsWithUsageCode()
    {
        using var cli = new CliRunner();
        var run = await cli.RunAsync("get");
        Assert.Equal(2, run.ExitCode);
    }

    [Fact]
    public async Task Run_UnknownKind_ExitsOneWithoutContactingAServer()
    {
        using var cli = new CliRunner();
        var run = await cli.RunAsync("get", "foo", "--server", "http://127.0.0.1:1");
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("error: the server doesn't have a resource type \"foo\"", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BadSelector_PrintsSelectorParserErrorsVerbatim()
    {
        using var cli = new CliRunner();
        var run = await cli.RunAsync("get", "pods", "-l", "app in web", "--server", "http://127.0.0.1:1");
        Assert.Equal(1, run.ExitCode);
        var expected = Switchyard.Model.Selectors.Selector.Parse("app in web").Errors;
        Assert.NotEmpty(expected);
        Assert.Equal(string.Concat(expected.Select(e => $"error: {e}\n")), run.Error);
    }

    [Fact]
    public async Task Run_HelpOfGet_ShowsDescriptionOptionsAndExamples()
    {
        using var cli = new CliRunner();
        var run = await cli.RunAsync("get", "--help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("--all-namespaces", run.Out, StringComparison.Ordinal);
        Assert.Contains("--selector", run.Out, StringComparison.Ordinal);
        Assert.Contains("Examples:\n  switchyard get all\n", run.Out.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UpWithRemoteAddress_RefusesWithoutAllowRemote()
    {
        using var cli = new CliRunner();
        var run = await cli.RunAsync("up", "--api", "0.0.0.0:7443", "--in-memory");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("is not a loopback address; add --allow-remote", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_DeleteWithoutTargets_IsAUsageError()
    {
        using var cli = new CliRunner();
        var run = await cli.RunAsync("delete");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("nothing to delete", run.Error, StringComparison.Ordinal);
    }
}
