using System.Text;
using k8s.Models;
using Switchyard.Runtime.Environment;

namespace Switchyard.Runtime.Tests.Environment;

public sealed class ContainerEnvironmentTests
{
    [Fact]
    public void ServiceLinks_NamedPorts_KubernetesVariables()
    {
        var env = new Dictionary<string, string>();
        var service = new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "payments-api" },
            Spec = new V1ServiceSpec { ClusterIP = "127.96.0.10", Ports = [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP" }, new V1ServicePort { Name = "grpc", Port = 9090, Protocol = "TCP" }] },
        };
        var headless = new V1Service { Metadata = new V1ObjectMeta { Name = "db" }, Spec = new V1ServiceSpec { ClusterIP = "None", Ports = [new V1ServicePort { Port = 5432 }] } };

        ServiceLinks.AddTo(env, [service, headless]);

        Assert.Equal(new Dictionary<string, string>
        {
            ["PAYMENTS_API_SERVICE_HOST"] = "127.96.0.10",
            ["PAYMENTS_API_SERVICE_PORT"] = "80",
            ["PAYMENTS_API_SERVICE_PORT_HTTP"] = "80",
            ["PAYMENTS_API_SERVICE_PORT_GRPC"] = "9090",
            ["PAYMENTS_API_PORT"] = "tcp://127.96.0.10:80",
            ["PAYMENTS_API_PORT_80_TCP"] = "tcp://127.96.0.10:80",
            ["PAYMENTS_API_PORT_80_TCP_PROTO"] = "tcp",
            ["PAYMENTS_API_PORT_80_TCP_PORT"] = "80",
            ["PAYMENTS_API_PORT_80_TCP_ADDR"] = "127.96.0.10",
            ["PAYMENTS_API_PORT_9090_TCP"] = "tcp://127.96.0.10:9090",
            ["PAYMENTS_API_PORT_9090_TCP_PROTO"] = "tcp",
            ["PAYMENTS_API_PORT_9090_TCP_PORT"] = "9090",
            ["PAYMENTS_API_PORT_9090_TCP_ADDR"] = "127.96.0.10",
        }, env);
    }

    [Theory]
    [InlineData("$(A)-$(B)", "1-$(B)")]
    [InlineData("$$(A)", "$(A)")]
    [InlineData("cost $5", "cost $5")]
    [InlineData("$(A", "$(A")]
    public void Expand_References_KubernetesRules(string input, string expected) =>
        Assert.Equal(expected, VariableExpansion.Expand(input, n => n == "A" ? "1" : null));

    [Fact]
    public async Task Build_FieldRefsConfigMapSecretEnvFrom_Resolved()
    {
        var store = new Store.Memory.InMemoryResourceStore();
        await store.CreateAsync(new V1ConfigMap { ApiVersion = "v1", Kind = "ConfigMap", Metadata = new V1ObjectMeta { Name = "cfg", NamespaceProperty = "shop" }, Data = new Dictionary<string, string> { ["mode"] = "fast", ["level"] = "3" } });
        await store.CreateAsync(new V1Secret { ApiVersion = "v1", Kind = "Secret", Metadata = new V1ObjectMeta { Name = "creds", NamespaceProperty = "shop" }, Data = new Dictionary<string, byte[]> { ["password"] = Encoding.UTF8.GetBytes("s3cret") } });
        await store.CreateAsync(new V1Service { ApiVersion = "v1", Kind = "Service", Metadata = new V1ObjectMeta { Name = "catalog", NamespaceProperty = "shop" }, Spec = new V1ServiceSpec { ClusterIP = "127.96.0.7", Ports = [new V1ServicePort { Port = 8080 }] } });
        var builder = new ContainerEnvironment(store, new RuntimeOptions { StateDirectory = "/tmp", InheritEnvironment = false, DnsAddress = "127.0.0.1:10053" });
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web-1", NamespaceProperty = "shop", Uid = "u-1", Labels = new Dictionary<string, string> { ["version"] = "v2" } },
            Spec = new V1PodSpec(),
        };
        var container = new V1Container
        {
            Name = "main",
            EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "cfg" }, Prefix = "CFG_" }],
            Env =
            [
                new V1EnvVar { Name = "VERSION", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.labels['version']" } } },
                new V1EnvVar { Name = "UID", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.uid" } } },
                new V1EnvVar { Name = "NODE", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "spec.nodeName" } } },
                new V1EnvVar { Name = "MY_IP", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "status.podIP" } } },
                new V1EnvVar { Name = "MODE", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "cfg", Key = "mode" } } },
                new V1EnvVar { Name = "PASSWORD", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "creds", Key = "password" } } },
                new V1EnvVar { Name = "URL", Value = "http://$(CATALOG_SERVICE_HOST):$(CATALOG_SERVICE_PORT)/$(MODE)" },
            ],
        };

        var (env, error) = await builder.BuildAsync(pod, container, "127.64.0.9", CancellationToken.None);

        Assert.Null(error);
        Assert.Equal("127.64.0.9", env!["POD_IP"]);
        Assert.Equal("web-1", env["POD_NAME"]);
        Assert.Equal("shop", env["POD_NAMESPACE"]);
        Assert.Equal("127.0.0.1:10053", env["SWITCHYARD_DNS"]);
        Assert.Equal("fast", env["CFG_mode"]);
        Assert.Equal("3", env["CFG_level"]);
        Assert.Equal("v2", env["VERSION"]);
        Assert.Equal("u-1", env["UID"]);
        Assert.Equal("local", env["NODE"]);
        Assert.Equal("127.64.0.9", env["MY_IP"]);
        Assert.Equal("fast", env["MODE"]);
        Assert.Equal("s3cret", env["PASSWORD"]);
        Assert.Equal("http://127.96.0.7:8080/fast", env["URL"]);
    }

    [Fact]
    public async Task Build_PathPrefix_GoesInFrontOfInheritedPath()
    {
        var store = new Store.Memory.InMemoryResourceStore();
        var builder = new ContainerEnvironment(store, new RuntimeOptions { StateDirectory = "/tmp", PathPrefix = ["/opt/sy/bin"] });
        var pod = new V1Pod { Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "default" }, Spec = new V1PodSpec() };

        var (env, error) = await builder.BuildAsync(pod, new V1Container { Name = "main" }, "127.64.0.1", CancellationToken.None);

        Assert.Null(error);
        Assert.Equal("/opt/sy/bin:" + System.Environment.GetEnvironmentVariable("PATH"), env!["PATH"]);
    }

    [Fact]
    public async Task Build_MissingReferences_EveryErrorListed()
    {
        var store = new Store.Memory.InMemoryResourceStore();
        var builder = new ContainerEnvironment(store, new RuntimeOptions { StateDirectory = "/tmp", InheritEnvironment = false });
        var pod = new V1Pod { Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "default" }, Spec = new V1PodSpec() };
        var container = new V1Container
        {
            Name = "main",
            Env =
            [
                new V1EnvVar { Name = "A", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "nope", Key = "k" } } },
                new V1EnvVar { Name = "B", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "nope", Key = "k", Optional = true } } },
                new V1EnvVar { Name = "C", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "spec.hostname" } } },
            ],
        };

        var (env, error) = await builder.BuildAsync(pod, container, "127.64.0.1", CancellationToken.None);

        Assert.Null(env);
        Assert.Equal("configmap \"nope\" not found; env C: fieldRef \"spec.hostname\" is not supported by the local runtime", error);
    }

    [Fact]
    public async Task Run_MissingConfigMap_CreateContainerConfigError_ThenStartsWhenItAppears()
    {
        await using var kit = new RuntimeTestKit().Start();
        await kit.CreateAsync(RuntimeTestKit.Pod("cfg", "echo $MODE; exec sleep 60", container: c =>
            c.Env = [new V1EnvVar { Name = "MODE", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "settings", Key = "mode" } } }]));

        var pod = await kit.WaitForAsync("cfg", p => RuntimeTestKit.Container(p).State?.Waiting?.Reason == "CreateContainerConfigError", "CreateContainerConfigError");
        Assert.Equal("configmap \"settings\" not found", RuntimeTestKit.Container(pod).State.Waiting.Message);
        Assert.Equal("Pending", pod.Status.Phase);

        await kit.Store.CreateAsync(new V1ConfigMap { ApiVersion = "v1", Kind = "ConfigMap", Metadata = new V1ObjectMeta { Name = "settings", NamespaceProperty = "default" }, Data = new Dictionary<string, string> { ["mode"] = "on" } });
        await kit.WaitForAsync("cfg", RuntimeTestKit.IsReady, "Ready once the ConfigMap exists");
    }
}
