using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ActorSpool.Simulators;

namespace ActorSpool.Chaos.Tests;

/// <summary>
/// Everything the simulated printers received, mapped back to the submission that carried it: every document
/// starts with <c>JOB-&lt;n&gt;-</c>, n being unique per IPP request (see <see cref="IppSubmitter"/>).
/// </summary>
public sealed partial class PrintLedger
{
    /// <summary>
    /// One printed document. <paramref name="ReceivedAt"/>: the printer had read the whole document (the delivery
    /// started just before); <paramref name="RecordedAt"/>: the printer acknowledged it (after its per-job delay).
    /// </summary>
    public sealed record Print(string Printer, int Marker, DateTimeOffset ReceivedAt, DateTimeOffset RecordedAt);

    private readonly object _gate = new();
    private readonly List<Print> _prints = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [GeneratedRegex(@"^JOB-(\d+)-")]
    private static partial Regex MarkerPattern();

    public void Attach(AppSocketPrinterSimulator printer) => printer.JobReceived += job => Add(printer.Name, job);

    private void Add(string printer, ReceivedJob job)
    {
        var head = job.Data is { } data ? Encoding.ASCII.GetString(data, 0, Math.Min(64, data.Length)) : "";
        var match = MarkerPattern().Match(head);
        var marker = match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
        TaskCompletionSource changed;
        lock (_gate)
        {
            _prints.Add(new Print(printer, marker, job.ReceivedAt, DateTimeOffset.UtcNow));
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    public IReadOnlyList<Print> Prints
    {
        get
        {
            lock (_gate) return _prints.ToArray();
        }
    }

    public int Count
    {
        get
        {
            lock (_gate) return _prints.Count;
        }
    }

    /// <summary>How often each marker was printed.</summary>
    public IReadOnlyDictionary<int, int> CountsByMarker() =>
        Prints.GroupBy(p => p.Marker).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Documents printed more than once: the number of extra copies.</summary>
    public int Duplicates() => CountsByMarker().Where(kv => kv.Key >= 0).Sum(kv => kv.Value - 1);

    public IReadOnlyList<int> DuplicatedMarkers() => CountsByMarker().Where(kv => kv.Key >= 0 && kv.Value > 1).Select(kv => kv.Key).Order().ToList();

    /// <summary>Documents without a recognisable marker (must be none).</summary>
    public int Unrecognised() => Prints.Count(p => p.Marker < 0);

    public IReadOnlyDictionary<string, int> PerPrinter() =>
        Prints.GroupBy(p => p.Printer).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>The first print that satisfies <paramref name="condition"/>, waiting for it; null on timeout.</summary>
    public async Task<Print?> WaitForAsync(Func<Print, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var hit = _prints.FirstOrDefault(condition);
                if (hit is not null) return hit;
                changed = _changed.Task;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return null;
            try
            {
                await changed.WaitAsync(left);
            }
            catch (TimeoutException)
            {
                // Checked once more above.
            }
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> documents were printed; false on timeout.</summary>
    public async Task<bool> WaitForCountAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_prints.Count >= count) return true;
                changed = _changed.Task;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return false;
            try
            {
                await changed.WaitAsync(left);
            }
            catch (TimeoutException)
            {
                // Checked once more above.
            }
        }
    }
}
