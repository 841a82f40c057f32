using System.Security.Cryptography.X509Certificates;
using ActorSpool.Contracts.Spoolctl;
using ActorSpool.Node.Hosting;

namespace ActorSpool.Node.Security;

/// <summary>
/// The rules of the control plane (docs/security.md): the command host and Akka remoting are safe in plain text
/// only on loopback, where no other machine reaches them.
/// </summary>
public static class ControlPlane
{
    /// <summary>The command host's own certificate and key in the data directory (made on first start).</summary>
    public const string CommandHostCertificateFile = "command-host.crt", CommandHostKeyFile = "command-host.key";

    /// <summary><c>localhost</c> or a loopback address (127.0.0.0/8, ::1); 0.0.0.0 and every other name are not.</summary>
    public static bool IsLoopback(string hostOrAddress) => Loopback.Is(hostOrAddress);

    /// <summary>The command host on an address other machines reach must have a token: anyone there could else drain the cluster.</summary>
    public static void RequireCommandToken(string commandHost, string? token)
    {
        if (IsLoopback(commandHost) || !string.IsNullOrEmpty(token)) return;
        throw new StartupException(
            $"the command host would listen on {commandHost} (--cmd-host), which other machines reach, without a token: " +
            "set ACTORSPOOL_CMD_TOKEN or --cmd-token-file FILE (actorspool.cmd.token-file), or bind it to 127.0.0.1");
    }

    /// <summary>
    /// The command host's certificate when it is bound to a non-loopback address (it then speaks TLS only);
    /// null on loopback (plain text). Made for <paramref name="hostname"/> in the data directory on first start.
    /// </summary>
    public static X509Certificate2? CommandHostCertificate(NodeOptions options, out bool made)
    {
        made = false;
        if (IsLoopback(options.CommandHost)) return null;
        var directory = Path.GetFullPath(options.DataDirectory);
        try
        {
            Directory.CreateDirectory(directory);
            return SelfSignedCertificate.LoadOrCreate(Path.Combine(directory, CommandHostCertificateFile), Path.Combine(directory, CommandHostKeyFile),
                options.Hostname, out made);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new StartupException($"cannot read or make the command host's certificate ({CommandHostCertificateFile}, {CommandHostKeyFile}) in {directory}: {e.Message}", e);
        }
    }
}
