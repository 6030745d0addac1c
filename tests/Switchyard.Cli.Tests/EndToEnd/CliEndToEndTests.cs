using System.Text.Json.Nodes;
using Switchyard.Model.Manifests;

namespace Switchyard.Cli.Tests.EndToEnd;

public class CliEndToEndTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static string App(string ns) => $"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {ns}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: web-config
          namespace: {ns}
        data:
          debug: "true"
          port: "8080"
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: {ns}
          labels:
            app: web
        spec:
          selector:
            app: web
          ports:
          - name: http
            port: 80
            targetPort: http
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: web-1
          namespace: {ns}
          labels:
            app: web
        spec:
          containers:
          - name: web
            image: nginx:1.27
            ports:
            - name: http
              containerPort: 8080
        """;

    [Fact]
    public async Task Apply_NewObjects_PrintsCreatedThenUnchanged()
    {
        using var cli = new CliRunner();
        cli.Write("app.yaml", App("e2e-apply"));

        var first = await cluster.RunAsync(cli, "apply", "-f", "app.yaml");
        Assert.Equal("", first.Error);
        Assert.Equal(0, first.ExitCode);
        Assert.Equal("namespace/e2e-apply created\nconfigmap/web-config created\nservice/web created\npod/web-1 created\n", first.Out);

        var second = await cluster.RunAsync(cli, "apply", "-f", "app.yaml");
        Assert.Equal("namespace/e2e-apply unchanged\nconfigmap/web-config unchanged\nservice/web unchanged\npod/web-1 unchanged\n", second.Out);
    }

    [Fact]
    public async Task GetJson_OneObject_PrintsTheObjectThatAppliesBackUnchanged()
    {
        using var cli = new CliRunner();
        cli.Write("app.yaml", App("e2e-json"));
        Assert.Equal(0, (await cluster.RunAsync(cli, "apply", "-f", "app.yaml")).ExitCode);

        var get = await cluster.RunAsync(cli, "get", "svc", "web", "-n", "e2e-json", "-o", "json");
        Assert.Equal(0, get.ExitCode);
        var svc = JsonNode.Parse(get.Out)!;
        Assert.Equal("Service", svc["kind"]!.GetValue<string>());
        Assert.Equal("web", svc["metadata"]!["name"]!.GetValue<string>());
        Assert.StartsWith("127.", svc["spec"]!["clusterIP"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("http", svc["spec"]!["ports"]![0]!["targetPort"]!.GetValue<string>());

        cli.Stdin = get.Out;
        var reapply = await cluster.RunAsync(cli, "apply", "-f", "-");
        Assert.Equal("", reapply.Error);
        Assert.Equal("service/web unchanged\n", reapply.Out);
    }

    [Fact]
    public async Task GetYaml_List_ReadsBackThroughManifestReaderAndAppliesUnchanged()
    {
        using var cli = new CliRunner();
        cli.Write("app.yaml", App("e2e-yaml"));
        Assert.Equal(0, (await cluster.RunAsync(cli, "apply", "-f", "app.yaml")).ExitCode);

        var get = await cluster.RunAsync(cli, "get", "cm,svc", "-n", "e2e-yaml", "-o", "yaml");
        Assert.Equal(0, get.ExitCode);
        var read = new ManifestReader().ReadText("get.yaml", get.Out);
        Assert.True(read.Ok, string.Join("\n", read.Errors));
        Assert.Equal(["ConfigMap", "Service"], read.Resources.Select(r => r.Kind).ToArray());
        Assert.Equal("true", ((k8s.Models.V1ConfigMap)read.Resources.First()).Data["debug"]);

        cli.Stdin = get.Out;
        var reapply = await cluster.RunAsync(cli, "apply", "-f", "-");
        Assert.Equal("configmap/web-config unchanged\nservice/web unchanged\n", reapply.Out);
    }

    [Fact]
    public async Task GetTable_ServicesAndAll_ShowKubectlColumns()
    {
        using var cli = new CliRunner();
        cli.Write("app.yaml", App("e2e-table"));
        Assert.Equal(0, (await cluster.RunAsync(cli, "apply", "-f", "app.yaml")).ExitCode);

        var svc = await cluster.RunAsync(cli, "get", "services", "-n", "e2e-table");
        var lines = svc.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME   TYPE        CLUSTER-IP +EXTERNAL-IP   PORT\(S\)   AGE$", lines[0]);
        Assert.Matches(@"^web    ClusterIP   127\.[0-9.]+ +<none>        80/TCP    [0-9]+s$", lines[1]);

        var all = await cluster.RunAsync(cli, "get", "all", "-n", "e2e-table");
        Assert.Equal(0, all.ExitCode);
        Assert.Contains("pod/web-1", all.Out, StringComparison.Ordinal);
        Assert.Contains("service/web", all.Out, StringComparison.Ordinal);

        var byLabel = await cluster.RunAsync(cli, "get", "svc", "-A", "-l", "app=web", "-o", "name");
        Assert.Contains("service/web", byLabel.Out, StringComparison.Ordinal);

        var wide = await cluster.RunAsync(cli, "get", "svc", "-A", "-o", "wide");
        Assert.Matches(@"(?m)^NAMESPACE +NAME +TYPE .* SELECTOR$", wide.Out);
        Assert.Matches(@"(?m)^e2e-table +web +ClusterIP .* app=web$", wide.Out);
    }

    [Fact]
    public async Task Get_EmptyNamespace_SaysNoResourcesFound()
    {
        using var cli = new CliRunner();
        var run = await cluster.RunAsync(cli, "get", "pods", "-n", "e2e-nothing-here");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.Equal("No resources found in e2e-nothing-here namespace.\n", run.Error);
    }

    [Fact]
    public async Task Describe_Service_ShowsMetadataSpecAndEndpointSlices()
    {
        using var cli = new CliRunner();
        cli.Write("app.yaml", App("e2e-describe"));
        Assert.Equal(0, (await cluster.RunAsync(cli, "apply", "-f", "app.yaml")).ExitCode);

        var run = await cluster.RunAsync(cli, "describe", "svc", "web", "-n", "e2e-describe");
        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"(?m)^Name: +web$", run.Out);
        Assert.Matches(@"(?m)^Namespace: +e2e-describe$", run.Out);
        Assert.Matches(@"(?m)^Selector: +app=web$", run.Out);
        Assert.Matches(@"(?m)^Type: +ClusterIP$", run.Out);
        Assert.Matches(@"(?m)^IP: +127\.[0-9.]+$", run.Out);
        Assert.Matches(@"(?m)^Port: +http  80/TCP$", run.Out);
        Assert.Matches(@"(?m)^TargetPort: +http/TCP$", run.Out);
        Assert.Contains("EndpointSlices", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Describe_Pod_ShowsCommandArgsAndPorts()
    {
        using var cli = new CliRunner();
        cli.Write("pod.yaml", """
            apiVersion: v1
            kind: Namespace
            metadata: {name: e2e-describe-pod}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: worker, namespace: e2e-describe-pod}
            spec:
              containers:
              - name: main
                image: demo
                command: [sleep]
                args: ["3600", "--quiet"]
                ports: [{name: http, containerPort: 8080}]
            """);
        Assert.Equal(0, (await cluster.RunAsync(cli, "apply", "-f", "pod.yaml")).ExitCode);

        var run = await cluster.RunAsync(cli, "describe", "pod", "worker", "-n", "e2e-describe-pod");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Matches(@"(?m)^    Command: +sleep$", run.Out);
        Assert.Matches(@"(?m)^    Args: +3600 --quiet$", run.Out);
        Assert.Matches(@"(?m)^    Ports: +8080/TCP \(http\)$", run.Out);
    }

    [Fact]
    public async Task Describe_KindWithoutName_DescribesEveryObjectOfTheNamespace()
    {
        using var cli = new CliRunner();
        cli.Write("app.yaml", App("e2e-describe-all"));
        Assert.Equal(0, (await cluster.RunAsync(cli, "apply", "-f", "app.yaml")).ExitCode);

        var run = await cluster.RunAsync(cli, "describe", "svc", "-n", "e2e-describe-all");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Matches(@"(?m)^Name: +web$", run.Out);

        var none = await cluster.RunAsync(cli, "describe", "deploy", "-n", "e2e-describe-all");
        Assert.Equal(0, none.ExitCode);
        Assert.Equal("No resources found in e2e-describe-all namespace.\n", none.Error);
    }

    [Fact]
    public async Task Delete_ExistingThenMissing_ReportsDeletedThenNotFound()
    {
        using var cli = new CliRunner();
        cli.Write("app.yaml", App("e2e-delete"));
        Assert.Equal(0, (await cluster.RunAsync(cli, "apply", "-f", "app.yaml")).ExitCode);

        var first = await cluster.RunAsync(cli, "delete", "svc", "web", "-n", "e2e-delete");
        Assert.Equal(0, first.ExitCode);
        Assert.Equal("service \"web\" deleted\n", first.Out);

        var again = await cluster.RunAsync(cli, "delete", "service/web", "-n", "e2e-delete");
        Assert.Equal(1, again.ExitCode);
        Assert.Equal("Error from server (NotFound): services \"web\" not found\n", again.Error);

        var ignored = await cluster.RunAsync(cli, "delete", "svc", "web", "-n", "e2e-delete", "--ignore-not-found");
        Assert.Equal(0, ignored.ExitCode);
        Assert.Equal("", ignored.Out + ignored.Error);

        var byFile = await cluster.RunAsync(cli, "delete", "-f", "app.yaml", "--ignore-not-found");
        Assert.Equal(0, byFile.ExitCode);
        Assert.Contains("pod \"web-1\" deleted", byFile.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_InvalidManifest_PrintsEveryErrorAndSendsNothing()
    {
        using var cli = new CliRunner();
        cli.Write("bad.yaml", BadManifest);
        var run = await cluster.RunAsync(cli, "apply", "-f", "bad.yaml");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Out);
        var errors = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, errors.Length);
        Assert.Equal("error: 3 errors in the manifests; nothing was sent to the server", errors[3]);

        var get = await cluster.RunAsync(cli, "get", "svc", "bad-port", "-n", "default");
        Assert.Equal("Error from server (NotFound): services \"bad-port\" not found\n", get.Error);
    }

    [Fact]
    public async Task Version_WithServer_PrintsBothVersions()
    {
        using var cli = new CliRunner();
        var run = await cluster.RunAsync(cli, "version");
        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("Client Version: 0.1.0\nServer Version: ", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_WrongToken_Is401WithTokenSource()
    {
        using var cli = new CliRunner();
        var run = await cli.RunAsync("get", "pods", "--server", cluster.Url, "--token", "not-the-token");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("refused the token (401 Unauthorized); the token was read from --token", run.Error, StringComparison.Ordinal);
    }

    internal const string BadManifest = """
        apiVersion: v1
        kind: Service
        metadata:
          name: bad-port
        spec:
          ports:
          - port: 70000
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: Bad_Name
        spec:
          containers:
          - name: app
            image: nginx
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
        dataa:
          key: value
        """;
}
