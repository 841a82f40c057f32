using System.Text;
using ActorSpool.Node.Ingress;
using ActorSpool.Node.Ingress.Lpd;
using ActorSpool.Node.Spool;
using ActorSpool.Node.Tests.Ingress.Ipp;
using ActorSpool.Protocols.Lpd;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorSpool.Node.Tests.Ingress;

/// <summary>LPD over a real socket while the spool disk is below its free-space floor: RFC 1179's "no room", nothing stored.</summary>
public sealed class LpdDiskSpaceTests : IAsyncLifetime
{
    private readonly FakeSpoolGateway _gateway = new();
    private long _free = 50L * 1024 * 1024;
    private LpdIngressService _service = null!;

    public async Task InitializeAsync()
    {
        var intake = new JobIntake(_gateway, disk: new DiskSpaceGuard(100L * 1024 * 1024, () => _free));
        _service = new LpdIngressService(_gateway, new LpdIngressOptions { Enabled = true, Host = "127.0.0.1", Port = 0 },
            NullLogger<LpdIngressService>.Instance, intake);
        await _service.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _service.StopAsync(CancellationToken.None);
        _service.Dispose();
    }

    private async Task<(int DataAck, int ControlAck)> SendJobAsync(string number)
    {
        await using var client = await WireClient.ConnectAsync(_service.Port);
        await client.SendAsync("\u0002office\n");
        Assert.Equal(0, await client.ReadAckAsync());
        var dataAck = await client.SendFileAsync(LpdWire.ReceiveDataFile, $"dfA{number}tester", Encoding.ASCII.GetBytes("page\n"));
        if (dataAck != 0) return (dataAck, -1);
        return (0, await client.SendFileAsync(LpdWire.ReceiveControlFile, $"cfA{number}tester", WireClient.ControlFile("alice", "low", $"dfA{number}tester")));
    }

    [Fact]
    public async Task A_file_announced_while_the_disk_is_low_gets_no_room_and_nothing_is_stored_until_space_is_back()
    {
        Assert.Equal((LpdWire.NoRoom, -1), await SendJobAsync("001"));
        Assert.Equal(0, _gateway.AllocatedCount);
        Assert.Empty(_gateway.Submitted);

        _free = 200L * 1024 * 1024;
        Assert.Equal((0, 0), await SendJobAsync("002"));
        Assert.Single(_gateway.Submitted);
    }
}
