using System.Net.Sockets;
using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Topology;
using ActorSpool.Simulators;

namespace ActorSpool.Node.Hosting;

/// <summary>
/// The embedded default's printers: an AppSocket simulator on loopback for every demo socket:// printer, writing
/// what it receives to DATA/printed/PRINTER/, so a fresh clone prints with nothing else installed.
/// </summary>
public sealed class DemoPrinters(ILiveTopology topology, NodeOptions options, ILogger<DemoPrinters> log) : IHostedService, IAsyncDisposable
{
    private readonly List<AppSocketPrinterSimulator> _running = new();

    public IReadOnlyList<AppSocketPrinterSimulator> Running => _running;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var printer in topology.Current.DemoPrinterDefinitions())
        {
            var simulator = new AppSocketPrinterSimulator(new SimulatorOptions
            {
                Name = printer.Name,
                Host = printer.Uri.Host,
                Port = printer.Uri.Port,
                OutputDirectory = Path.Combine(Path.GetFullPath(options.DataDirectory), "printed", printer.Name),
                KeepInMemory = false,
            });
            try
            {
                await simulator.StartAsync(cancellationToken);
                _running.Add(simulator);
                log.LogInformation("Demo printer {Printer} listening on {Uri}, output in {Directory}", printer.Name, simulator.DeviceUri, simulator.Options.OutputDirectory);
            }
            catch (InvalidOperationException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                // Another node on this machine already simulates it: share that one.
                await simulator.DisposeAsync();
                log.LogInformation("Demo printer {Printer}: {Uri} is already in use, printing to whatever listens there", printer.Name, printer.Uri);
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var simulator in _running) await simulator.DisposeAsync();
        _running.Clear();
    }
}
