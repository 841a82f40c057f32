using System.Net.Sockets;
using ActorSpool.Domain.Membership;

namespace ActorSpool.Actors.Membership;

/// <summary>
/// Whether a process still listens on a member's remoting port, by connecting to it (<see cref="CrashedMemberRule"/>):
/// refused twice in a row means nobody does. A connection that is accepted, or accepted and reset, is looked at again
/// a little later, because a killed process's established connections can close a few milliseconds before its
/// listening socket does; a live process accepts every time.
/// </summary>
public static class RemotingPortProbe
{
    /// <param name="Refused">True: no process listens there.</param>
    /// <param name="Detail">What was seen, for the log.</param>
    public sealed record Verdict(bool Refused, string Detail);

    private const string Accepts = "its remoting port accepts connections";
    private const string Reset = "a connection to its remoting port was reset";

    public static async Task<Verdict> ProbeAsync(string host, int port)
    {
        var verdict = await LookAsync(host, port);
        foreach (var delay in CrashedMemberRule.LookAgainAfter)
        {
            if (verdict.Refused || verdict.Detail is not (Accepts or Reset)) break;
            await Task.Delay(delay);
            verdict = await LookAsync(host, port);
        }
        return verdict;
    }

    private static async Task<Verdict> LookAsync(string host, int port)
    {
        for (var attempt = 1; attempt <= CrashedMemberRule.RefusalsNeeded; attempt++)
        {
            if (attempt > 1) await Task.Delay(CrashedMemberRule.BetweenAttempts);
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                await client.ConnectAsync(host, port, timeout.Token);
                return new Verdict(false, Accepts);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                // No process listens there: the next attempt confirms it.
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // Accepted by a listening socket that closed right after: a dying process, or one restarting.
                return new Verdict(false, Reset);
            }
            catch (Exception e)
            {
                // A timeout or an unreachable network proves nothing about the process: the failure detector decides.
                return new Verdict(false, $"connecting to its remoting port did not settle it ({e.GetType().Name})");
            }
        }
        return new Verdict(true, $"{CrashedMemberRule.RefusalsNeeded} connections to its remoting port were refused");
    }
}
