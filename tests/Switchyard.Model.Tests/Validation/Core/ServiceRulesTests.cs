using k8s.Models;
using static Switchyard.Model.Tests.Validation.Core.CoreRulesTestKit;

namespace Switchyard.Model.Tests.Validation.Core;

public sealed class ServiceRulesTests
{
    private const string Head = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n";

    [Fact]
    public void Default_Ports_ProtocolTcpAndTargetPortEqualsPort()
    {
        var svc = Object<V1Service>(Head + "spec:\n  selector: {app: web}\n  ports: [{port: 80}]\n");
        Assert.Equal("ClusterIP", svc.Spec.Type);
        Assert.Equal("TCP", svc.Spec.Ports[0].Protocol);
        Assert.Equal("80", svc.Spec.Ports[0].TargetPort.Value);
        Assert.Equal("None", svc.Spec.SessionAffinity);
        Assert.Equal("Cluster", svc.Spec.InternalTrafficPolicy);
        Assert.Equal("SingleStack", svc.Spec.IpFamilyPolicy);
    }

    [Fact]
    public void Default_ClientIpAffinity_Timeout10800()
    {
        var svc = Object<V1Service>(Head + "spec:\n  sessionAffinity: ClientIP\n  ports: [{port: 80}]\n");
        Assert.Equal(10800, svc.Spec.SessionAffinityConfig.ClientIP.TimeoutSeconds);
    }

    [Fact]
    public void Default_DualStackClusterIPs_FamiliesAndPolicy()
    {
        var svc = Object<V1Service>(Head + "spec:\n  clusterIPs: [10.96.0.10, 'fd00::10']\n  ports: [{port: 80}]\n");
        Assert.Equal("10.96.0.10", svc.Spec.ClusterIP);
        Assert.Equal(["IPv4", "IPv6"], svc.Spec.IpFamilies);
        Assert.Equal("RequireDualStack", svc.Spec.IpFamilyPolicy);
    }

    [Fact]
    public void Validate_Headless_PortsOptional()
    {
        Assert.Empty(Errors(Head + "spec:\n  clusterIP: None\n  selector: {app: web}\n"));
    }

    [Fact]
    public void Validate_NoPorts_Required()
    {
        Assert.Equal(["spec.ports: Required value"], Errors(Head + "spec:\n  selector: {app: web}\n"));
    }

    [Fact]
    public void Validate_ManyProblems_AllReportedAtOnce()
    {
        Assert.Equal(
        [
            "metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name', or 'abc-123')",
            "spec.type: Unsupported value: \"Internal\": supported values: \"ClusterIP\", \"NodePort\", \"LoadBalancer\", \"ExternalName\"",
            "spec.clusterIP: Invalid value: \"10.0.0\": must be empty, 'None', or a valid IP address",
            "spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: \"ClientIP\", \"None\"",
            "spec.ports[0].name: Required value",
            "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "spec.ports[1].targetPort: Invalid value: \"http--x\": must not contain consecutive hyphens",
            "spec.ports[2]: Duplicate value: \"443/TCP\"",
        ], Errors("apiVersion: v1\nkind: Service\nmetadata:\n  name: 1web\nspec:\n  type: Internal\n  clusterIP: 10.0.0\n  sessionAffinity: Sticky\n  ports:\n  - port: 0\n  - {name: https, port: 443, targetPort: http--x}\n  - {name: https2, port: 443, protocol: TCP}\n"));
    }

    [Fact]
    public void Validate_DuplicatePortPlusProtocol_Duplicate()
    {
        Assert.Equal(["spec.ports[1]: Duplicate value: \"53/UDP\""],
            Errors(Head + "spec:\n  ports:\n  - {name: a, port: 53, protocol: UDP}\n  - {name: b, port: 53, protocol: UDP}\n"));
    }

    [Fact]
    public void Validate_ExternalName_RequiresNameForbidsClusterIP()
    {
        Assert.Equal(
        [
            "spec.externalName: Required value",
            "spec.clusterIP: Forbidden: may not be set for type 'ExternalName'",
        ], Errors(Head + "spec:\n  type: ExternalName\n  clusterIP: 10.0.0.1\n"));
        Assert.Empty(Errors(Head + "spec:\n  type: ExternalName\n  externalName: db.example.com\n"));
    }

    [Fact]
    public void Validate_ClientIpTimeoutOutOfRange_Invalid()
    {
        Assert.Equal(["spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than or equal to 86400"],
            Errors(Head + "spec:\n  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 86401}}\n  ports: [{port: 80}]\n"));
    }

    [Fact]
    public void Validate_IpFamilyPolicyAndFamilies_Checked()
    {
        Assert.Equal(
        [
            "spec.ipFamilyPolicy: Unsupported value: \"DualStack\": supported values: \"SingleStack\", \"PreferDualStack\", \"RequireDualStack\"",
            "spec.ipFamilies[0]: Unsupported value: \"IPv5\": supported values: \"IPv4\", \"IPv6\"",
        ], Errors(Head + "spec:\n  ipFamilyPolicy: DualStack\n  ipFamilies: [IPv5]\n  ports: [{port: 80}]\n"));
    }

    [Fact]
    public void Validate_NodePortOnClusterIP_Forbidden()
    {
        Assert.Equal(["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
            Errors(Head + "spec:\n  ports: [{port: 80, nodePort: 30080}]\n"));
    }

    [Fact]
    public void Validate_SelectorLabelValue_Invalid()
    {
        Assert.Equal(["spec.selector: Invalid value: \"-bad\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or '12345')"],
            Errors(Head + "spec:\n  selector: {app: -bad}\n  ports: [{port: 80}]\n"));
    }
}
