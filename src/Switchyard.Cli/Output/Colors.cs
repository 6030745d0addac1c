namespace Switchyard.Cli.Output;

/// <summary>ANSI styling that turns itself off when output is not a terminal or NO_COLOR is set.</summary>
internal sealed class Colors(bool enabled)
{
    public static Colors None { get; } = new(false);

    public bool Enabled => enabled;

    public string Bold(string s) => Wrap("1", s);
    public string Dim(string s) => Wrap("2", s);
    public string Red(string s) => Wrap("31", s);
    public string Green(string s) => Wrap("32", s);
    public string Yellow(string s) => Wrap("33", s);
    public string Cyan(string s) => Wrap("36", s);

    private string Wrap(string code, string s) => enabled ? $"\u001b[{code}m{s}\u001b[0m" : s;
}
