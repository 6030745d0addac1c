using System.Text.Json.Nodes;
using Switchyard.Cli.Output;
using Switchyard.Model.Manifests;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Tests.Output;

public class YamlOutputTests
{
    [Theory]
    [InlineData("true")]
    [InlineData("False")]
    [InlineData("yes")]
    [InlineData("off")]
    [InlineData("null")]
    [InlineData("~")]
    [InlineData("80")]
    [InlineData("0x1F")]
    [InlineData("1.5")]
    [InlineData("1e3")]
    [InlineData(".inf")]
    [InlineData("2024-01-01")]
    [InlineData("")]
    [InlineData(" padded")]
    public void NeedsQuotes_TextYamlWouldReadAsAnotherType_IsTrue(string text)
    {
        Assert.True(YamlOutput.NeedsQuotes(text));
    }

    [Theory]
    [InlineData("web")]
    [InlineData("nginx:1.27")]
    [InlineData("app.kubernetes.io/name")]
    [InlineData("TCP")]
    public void NeedsQuotes_PlainWords_IsFalse(string text)
    {
        Assert.False(YamlOutput.NeedsQuotes(text));
    }

    [Fact]
    public void Write_MixedObject_KeepsTypesAndBlockStyle()
    {
        var node = JsonNode.Parse("""
            {"a":"true","b":true,"c":80,"d":"80","e":null,"f":[],"g":{},"h":["x",1],"i":"line1\nline2","j":{"k":"v"}}
            """);
        Assert.Equal(
            "a: \"true\"\n" +
            "b: true\n" +
            "c: 80\n" +
            "d: \"80\"\n" +
            "e: null\n" +
            "f: []\n" +
            "g: {}\n" +
            "h:\n" +
            "- x\n" +
            "- 1\n" +
            "i: |-\n" +
            "  line1\n" +
            "  line2\n" +
            "j:\n" +
            "  k: v\n",
            YamlOutput.Write(node));
    }

    [Fact]
    public void Write_ServiceWithAmbiguousStrings_RoundTripsThroughManifestReader()
    {
        var json = JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default",
             "labels":{"enabled":"true","version":"1.10","zip":"01234"},"annotations":{"note":"a: b # c\nsecond line"}},
             "spec":{"selector":{"app":"web"},"ports":[{"name":"http","port":80,"protocol":"TCP","targetPort":"http"},{"name":"alt","port":81,"protocol":"TCP","targetPort":8081}]}}
            """)!;

        var yaml = YamlOutput.Write(json);
        var read = new ManifestReader().ReadText("out.yaml", yaml);

        Assert.True(read.Ok, string.Join("\n", read.Errors));
        var back = ResourceJson.ToNode(Assert.Single(read.Resources));
        Assert.Equal("true", back["metadata"]!["labels"]!["enabled"]!.GetValue<string>());
        Assert.Equal("1.10", back["metadata"]!["labels"]!["version"]!.GetValue<string>());
        Assert.Equal("01234", back["metadata"]!["labels"]!["zip"]!.GetValue<string>());
        Assert.Equal("a: b # c\nsecond line", back["metadata"]!["annotations"]!["note"]!.GetValue<string>());
        Assert.Equal("http", back["spec"]!["ports"]![0]!["targetPort"]!.GetValue<string>());
        Assert.Equal(8081, back["spec"]!["ports"]![1]!["targetPort"]!.GetValue<int>());
    }

    [Fact]
    public void List_OfTwoObjects_RoundTripsThroughManifestReaderAsYamlAndJson()
    {
        var items = new[]
        {
            JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"default"},"data":{"port":"8080","debug":"false"}}""")!.AsObject(),
            JsonNode.Parse("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}}}""")!.AsObject(),
        };
        var list = OutputFormats.List(items);

        foreach (var format in new[] { OutputFormat.Yaml, OutputFormat.Json })
        {
            var text = OutputFormats.Serialize(list, format);
            var read = new ManifestReader().ReadText("out", text, json: format == OutputFormat.Json);
            Assert.True(read.Ok, string.Join("\n", read.Errors));
            Assert.Equal(["ConfigMap", "Deployment"], read.Resources.Select(r => r.Kind).ToArray());
            Assert.Equal("8080", ((k8s.Models.V1ConfigMap)read.Resources.First()).Data["port"]);
        }
    }
}
