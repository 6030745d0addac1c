using System.Text;
using k8s.Models;
using static Switchyard.Model.Tests.Validation.Core.CoreRulesTestKit;

namespace Switchyard.Model.Tests.Validation.Core;

public sealed class ConfigRulesTests
{
    [Fact]
    public void Secret_Default_OpaqueAndStringDataMerged()
    {
        var s = Object<V1Secret>("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {user: admin}\n");
        Assert.Equal("Opaque", s.Type);
        Assert.Equal("admin", Encoding.UTF8.GetString(s.Data["user"]));
        Assert.Null(s.StringData);
    }

    [Fact]
    public void Secret_TlsWithoutKeys_BothRequired()
    {
        Assert.Equal(["data[tls.crt]: Required value", "data[tls.key]: Required value"],
            Errors("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/tls\ndata: {}\n"));
    }

    [Fact]
    public void Secret_BadKeyAndTooLarge_AllReported()
    {
        var big = Convert.ToBase64String(new byte[(1024 * 1024) + 1]);
        Assert.Equal(
        [
            "data: Too long: may not be more than 1048576 bytes",
            "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name', or 'KEY_NAME', or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        ], Errors($"apiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\ndata:\n  big: {big}\n  bad key: eA==\n"));
    }

    [Fact]
    public void ConfigMap_KeyInDataAndBinaryData_Invalid()
    {
        Assert.Equal(
        [
            "data[..x]: Invalid value: \"..x\": must not start with '..'",
            "binaryData[a]: Invalid value: \"a\": duplicate of key present in data",
        ], Errors("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: x, ..x: y}\nbinaryData: {a: eA==}\n"));
    }

    [Fact]
    public void Namespace_NameMustBeDns1123Label()
    {
        Assert.Equal(["metadata.name: Invalid value: \"a.b\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc')"],
            Errors("apiVersion: v1\nkind: Namespace\nmetadata: {name: a.b}\n"));
    }

    [Fact]
    public void Metadata_BadLabelsAndMissingName_AllReported()
    {
        Assert.Equal(
        [
            "metadata.name: Required value: name is required",
            "metadata.labels: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
            "metadata.labels: Invalid value: \"x y\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or '12345')",
        ], Errors("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a/b/c: ok, k: x y}\n"));
    }
}
