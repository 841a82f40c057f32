using System.Net;
using System.Net.Sockets;
using ActorSpool.Actors.Membership;

namespace ActorSpool.Actors.Tests.Membership;

/// <summary>
/// The probe that lets a node down a crashed member at once, on real sockets: a port nobody listens on is refused, a
/// live listener is never taken for dead, and a listener that closes just after the first look (a killed process whose
/// connections closed before its listening socket) is found closed on a later look.
/// </summary>
public sealed class RemotingPortProbeTests
{
    [Fact]
    public async Task A_port_nobody_listens_on_is_refused()
    {
        var port = FreePort();
        var verdict = await RemotingPortProbe.ProbeAsync("127.0.0.1", port);
        Assert.True(verdict.Refused, verdict.Detail);
    }

    [Fact]
    public async Task A_live_listener_is_never_taken_for_a_crashed_process()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var verdict = await RemotingPortProbe.ProbeAsync("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port);
        Assert.False(verdict.Refused);
        Assert.Equal("its remoting port accepts connections", verdict.Detail);
    }

    [Fact]
    public async Task A_listener_that_closes_after_the_first_look_is_found_closed()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var probe = RemotingPortProbe.ProbeAsync("127.0.0.1", port);
        // The dying process's listening socket goes a moment after the connection that triggered the probe.
        await Task.Delay(TimeSpan.FromMilliseconds(50));
        listener.Stop();
        var verdict = await probe;
        Assert.True(verdict.Refused, verdict.Detail);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
