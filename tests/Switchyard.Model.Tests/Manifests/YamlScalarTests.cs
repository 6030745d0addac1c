using System.Text.Json;
using Switchyard.Model.Manifests;

namespace Switchyard.Model.Tests.Manifests;

public sealed class YamlScalarTests
{
    [Theory]
    [InlineData("~", "null")]
    [InlineData("null", "null")]
    [InlineData("true", "true")]
    [InlineData("False", "false")]
    [InlineData("yes", "\"yes\"")]
    [InlineData("42", "42")]
    [InlineData("-7", "-7")]
    [InlineData("0x1F", "31")]
    [InlineData("0o17", "15")]
    [InlineData("1.5", "1.5")]
    [InlineData("1e3", "1000")]
    [InlineData("1.2.3", "\"1.2.3\"")]
    [InlineData("80/TCP", "\"80/TCP\"")]
    public void ResolvePlain_CoreSchema(string plain, string json)
    {
        var node = YamlScalar.Resolve(plain);
        Assert.Equal(json, node is null ? "null" : node.ToJsonString(new JsonSerializerOptions()));
    }
}
