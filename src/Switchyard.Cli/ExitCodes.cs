namespace Switchyard.Cli;

/// <summary>Process exit codes: 0 success, 1 the operation failed, 2 the command line was wrong.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;
}
