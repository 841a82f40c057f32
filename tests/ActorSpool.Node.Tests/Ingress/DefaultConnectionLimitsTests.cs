using ActorSpool.Node.Tests.EndToEnd;
using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.Ingress;

/// <summary>
/// The defaults are sized for real load: the throughput benchmark opens 2000 clients at once from one address (each
/// prints one job), and the per-address share of the IPP port must not refuse them.
/// </summary>
public sealed class DefaultConnectionLimitsTests
{
    [Fact]
    public async Task Two_thousand_connections_at_once_from_one_address_are_all_served_on_the_ipp_port()
    {
        using var data = new TempDirectory();
        await using var printer = await Printers.SimulatorAsync("lj-1");
        var printers = Printers.WriteFile(data.Path, [printer], "  office { printers = [lj-1] }");
        await using var node = await InProcessNode.StartAsync(InProcessNode.Options(data.Path, printers));

        var clients = new List<WireClient>();
        try
        {
            // All open at the same time before any is used, as the benchmark's clients are.
            for (int i = 0; i < 2000; i++)
                clients.Add(await WireClient.ConnectAsync(node.IppPort));

            var answers = await Task.WhenAll(clients.Select(async client =>
            {
                await client.SendAsync("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                return await client.ReadAckAsync();
            }));

            Assert.Equal(2000, answers.Count(first => first == 'H'));
        }
        finally
        {
            foreach (var client in clients)
                await client.DisposeAsync();
        }
    }
}
