using ActorSpool.Actors.Membership;
using ActorSpool.Actors.Printers;
using ActorSpool.Actors.Storage;
using ActorSpool.Actors.Tests.Queues;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Akka.Actor;
using Akka.Cluster;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using static ActorSpool.Actors.Printers.DeliveryMessages;
using static ActorSpool.Domain.Messages.PrinterProtocol;

namespace ActorSpool.Actors.Tests.Printers;

/// <summary>
/// A printer entity lets one worker deliver at a time. When the node of the worker delivering now is found crashed
/// (<see cref="MemberCrashed"/>), the printer ends that delivery and lets the next worker deliver at once, instead of
/// when the node is removed (or, without a removal, after the delivery timeout). The worker lives in a second actor
/// system, reached over remoting like a worker on another node; the device is a real AppSocket simulator.
/// </summary>
public sealed class PrinterCrashedWorkerTests : TestKit, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _data = new();
    private readonly SqliteDocumentStore _documents;
    private readonly ActorSystem _otherNode;
    private readonly AppSocketPrinterSimulator _device = new(new SimulatorOptions { Name = "lj-1" });

    public PrinterCrashedWorkerTests() : base(QueueTestSystem.Config)
    {
        _documents = new SqliteDocumentStore($"Data Source={Path.Combine(_data.Path, "documents.db")}");
        _otherNode = ActorSystem.Create("other-node", QueueTestSystem.Config);
    }

    public Task InitializeAsync() => _device.StartAsync();

    public async Task DisposeAsync()
    {
        await _otherNode.Terminate();
        await _device.DisposeAsync();
        _documents.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task The_next_worker_delivers_as_soon_as_the_node_of_the_worker_delivering_now_is_found_crashed()
    {
        var definition = new PrinterDefinition("lj-1", new Uri($"socket://127.0.0.1:{_device.Port}"), null);
        var printer = Sys.ActorOf(PrinterActor.Props(definition, new SpoolSettings(), _documents));
        var otherAddress = ((ExtendedActorSystem)_otherNode).Provider.DefaultAddress;
        var (doomed, doomedRef) = await QueueTestSystem.ProbeOnOtherNodeAsync(this, _otherNode, "doomed-worker");
        var survivor = CreateTestProbe("survivor-worker");
        DeliverJob Job(long id) => new("lj-1", "office", id, 1, [new JobDocument(1, 100, "text/plain", null)]) { ByWorker = true, Sequence = id };

        printer.Tell(Job(1), doomedRef);
        Assert.Equal(1, doomed.FishForMessage<DeliveryPermit>(_ => true, Patience).Delivery.JobId);
        printer.Tell(Job(2), survivor.Ref);
        survivor.FishForMessage<DeliveryQueued>(_ => true, Patience);

        // Job 1's worker never reports: its process is gone (its actor system here stays up, so no Terminated comes).
        Sys.EventStream.Publish(new MemberCrashed(new UniqueAddress(otherAddress, 7)));

        Assert.Equal(2, survivor.FishForMessage<DeliveryPermit>(_ => true, Patience).Delivery.JobId);
    }
}
