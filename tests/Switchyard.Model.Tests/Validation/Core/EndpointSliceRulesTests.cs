using k8s.Models;
using static Switchyard.Model.Tests.Validation.Core.CoreRulesTestKit;

namespace Switchyard.Model.Tests.Validation.Core;

public sealed class EndpointSliceRulesTests
{
    private const string Head = "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: s\n";

    [Fact]
    public void Default_PortProtocol_Tcp()
    {
        var s = Object<V1EndpointSlice>(Head + "addressType: IPv4\nendpoints: [{addresses: [10.0.0.1]}]\nports: [{name: http, port: 80}]\n");
        Assert.Equal("TCP", s.Ports[0].Protocol);
    }

    [Fact]
    public void Validate_MissingAddressType_Required()
    {
        Assert.Equal(["addressType: Required value"], Errors(Head + "endpoints: []\n"));
    }

    [Fact]
    public void Validate_ManyProblems_AllReportedAtOnce()
    {
        Assert.Equal(
        [
            "endpoints[0].addresses[1]: Invalid value: \"fd00::1\": must be a valid IPv4 address",
            "endpoints[0].hostname: Invalid value: \"Pod_A\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc')",
            "endpoints[1].addresses: Required value: must contain at least 1 address",
            "ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "ports[1].name: Duplicate value: \"http\"",
            "ports[1].protocol: Unsupported value: \"ICMP\": supported values: \"TCP\", \"UDP\", \"SCTP\"",
        ], Errors(Head + "addressType: IPv4\nendpoints:\n- addresses: [10.0.0.1, 'fd00::1']\n  hostname: Pod_A\n- addresses: []\nports:\n- {name: http, port: 0}\n- {name: http, port: 81, protocol: ICMP}\n"));
    }

    [Fact]
    public void Validate_TooManyAddresses_TooMany()
    {
        var addresses = string.Join(", ", Enumerable.Range(1, 101).Select(i => $"10.0.{i / 250}.{i % 250}"));
        Assert.Equal(["endpoints[0].addresses: Too many: 101: must have at most 100 items"],
            Errors(Head + $"addressType: IPv4\nendpoints:\n- addresses: [{addresses}]\n"));
    }

    [Fact]
    public void Validate_UnknownAddressType_NotSupported()
    {
        Assert.Equal(["addressType: Unsupported value: \"IP\": supported values: \"IPv4\", \"IPv6\", \"FQDN\""],
            Errors(Head + "addressType: IP\nendpoints: [{addresses: [x]}]\n"));
    }

    [Fact]
    public void Validate_Fqdn_AddressesAreDnsNames()
    {
        Assert.Empty(Errors(Head + "addressType: FQDN\nendpoints: [{addresses: [db.example.com]}]\n"));
    }
}
