using Switchyard.Model.Resources;

namespace Switchyard.Cli.Commands;

/// <summary>Resolves the kind a user typed (plural, singular, short name, optionally group-qualified).</summary>
internal static class KindNames
{
    public static ResourceKind? Resolve(CliContext context, string name)
    {
        var kind = ResourceKinds.Resolve(name);
        if (kind is null)
        {
            context.Fail($"the server doesn't have a resource type \"{name}\"\nKnown resource types: {ResourceKinds.Describe()}");
        }
        return kind;
    }
}
