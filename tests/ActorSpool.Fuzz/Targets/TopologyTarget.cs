using System.Text;
using ActorSpool.Domain.Topology;

namespace ActorSpool.Fuzz.Targets;

/// <summary>
/// The printers.conf loader (<see cref="TopologyLoader.LoadText"/>: the structural pre-pass, Akka's HOCON parser and
/// the validation of printers and queues). Properties:
/// <list type="bullet">
/// <item>every text is loaded or refused with a <see cref="TopologyException"/> whose every problem names the file,
/// so the operator is told what is wrong and where;</item>
/// <item>a loaded topology is consistent: valid names, every queue's printers declared, the default queue one of
/// the queues;</item>
/// <item>no hang (fuzz.sh's timeout) and memory linear in the input.</item>
/// </list>
/// </summary>
public sealed class TopologyTarget : IFuzzTarget
{
    public const string SourceName = "fuzz.conf";

    public string Name => "topology";

    public void Run(byte[] input) =>
        AllocationBudget.Check("TopologyLoader", input.Length, baseBytes: 4 * 1024 * 1024, bytesPerInputByte: 4096, () => Check(input));

    private static void Check(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        SpoolTopology topology;
        try
        {
            topology = TopologyLoader.LoadText(text, SourceName);
        }
        catch (TopologyException e)
        {
            foreach (var problem in e.Problems)
            {
                if (!problem.StartsWith(SourceName + ": ", StringComparison.Ordinal) || problem.Length <= SourceName.Length + 2)
                    throw new FuzzPropertyException($"a problem that does not name the file: '{problem}'.");
            }

            return;
        }

        CheckConsistent(topology);
    }

    private static void CheckConsistent(SpoolTopology topology)
    {
        if (topology.Printers.Count == 0 || topology.Queues.Count == 0)
            throw new FuzzPropertyException("a topology without printers or queues was accepted.");
        foreach (var (name, printer) in topology.Printers)
        {
            if (!TopologyLoader.IsValidName(name) || printer.Uri is null)
                throw new FuzzPropertyException($"printer '{name}' accepted with an invalid name or no URI.");
        }

        foreach (var (name, queue) in topology.Queues)
        {
            if (!TopologyLoader.IsValidName(name) || queue.Printers.Count == 0)
                throw new FuzzPropertyException($"queue '{name}' accepted with an invalid name or no printers.");
            foreach (var printer in queue.Printers)
            {
                if (topology.FindPrinter(printer) is null)
                    throw new FuzzPropertyException($"queue '{name}' uses undeclared printer '{printer}'.");
            }
        }

        _ = (topology.QueueNames, topology.PrinterNames, topology.DemoPrinterDefinitions());
        if (topology.FindQueue(topology.DefaultQueue) is null)
            throw new FuzzPropertyException($"default queue '{topology.DefaultQueue}' is not a queue.");
    }
}
