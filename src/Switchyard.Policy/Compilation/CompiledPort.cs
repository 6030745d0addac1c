namespace Switchyard.Policy.Compilation;

/// <summary>
/// One entry of a rule's <c>ports</c>: a protocol and either every port, a number or range
/// (<c>port</c>..<c>endPort</c>), or a container port name resolved against the destination pod.
/// </summary>
public sealed class CompiledPort
{
    private CompiledPort(L4Protocol protocol, int start, int end, string? name)
    {
        Protocol = protocol;
        Start = start;
        End = end;
        Name = name;
    }

    public L4Protocol Protocol { get; }

    /// <summary>First port of the range; 0 with <see cref="End"/> 65535 when the entry names no port.</summary>
    public int Start { get; }
    public int End { get; }

    /// <summary>A named port (IANA_SVC_NAME), resolved per destination pod by name and protocol.</summary>
    public string? Name { get; }

    public bool IsAnyPort => Name is null && Start == 0 && End == 65535;

    public static CompiledPort AnyPort(L4Protocol protocol) => new(protocol, 0, 65535, null);
    public static CompiledPort Range(L4Protocol protocol, int start, int end) => new(protocol, start, end, null);
    public static CompiledPort Named(L4Protocol protocol, string name) => new(protocol, 0, -1, name);

    /// <summary>Whether a connection to <paramref name="port"/>/<paramref name="protocol"/> on <paramref name="destination"/> matches.</summary>
    public bool Matches(int port, L4Protocol protocol, PodEntry? destination)
    {
        if (protocol != Protocol) return false;
        if (Name is null) return port >= Start && port <= End;
        if (destination is null) return false;
        foreach (var p in destination.NamedPorts)
        {
            if (p.Port == port && p.Protocol == protocol && string.Equals(p.Name, Name, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    public override string ToString() =>
        Name is not null ? $"{Name}/{Protocol.Name()}"
        : IsAnyPort ? $"any/{Protocol.Name()}"
        : Start == End ? $"{Start}/{Protocol.Name()}" : $"{Start}-{End}/{Protocol.Name()}";
}
