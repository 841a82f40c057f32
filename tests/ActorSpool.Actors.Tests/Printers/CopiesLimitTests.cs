using System.Text;
using ActorSpool.Domain.Jobs;
using ActorSpool.Protocols.Lpd;

namespace ActorSpool.Actors.Tests.Printers;

/// <summary>
/// The protocols know nothing of the domain, so the copies limit exists twice: what the queue accepts
/// (<see cref="Copies.Max"/>) must be writable by every delivery path, or an accepted job would fail at its printer.
/// </summary>
public sealed class CopiesLimitTests
{
    [Fact]
    public void An_lpd_control_file_can_carry_the_most_copies_a_queue_accepts()
    {
        var info = new LpdJobInfo(7, "spoolhost", "alice") { Copies = Copies.Max };

        var text = Encoding.ASCII.GetString(LpdControlFile.Build(info, [(LpdControlFile.DataFileName(0, 7, "spoolhost"), "a.txt")]));

        Assert.Equal(Copies.Max, text.Split('\n').Count(line => line.StartsWith('l')));
        Assert.Null(new Copies(LpdJobInfo.MaxCopies, Uncollated: false).Problem());
    }
}
