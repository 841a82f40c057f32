using System.Text.Json;
using ActorSpool.Cli.Spoolctl;
using ActorSpool.Contracts.Spoolctl;

namespace ActorSpool.Cli.Commands;

/// <summary>Where submit and bench send IPP: <c>--ipp HOST:PORT</c>, else what the node's command host reports.</summary>
public sealed record IppTarget(NodeEndpoint Endpoint, string? DefaultQueue)
{
    /// <summary>The queue's IPP URI; without a queue the node's default queue (<c>/ipp/print</c>).</summary>
    public Uri QueueUri(string? queue) =>
        new($"ipp://{Endpoint}{(string.IsNullOrEmpty(queue) ? "/ipp/print" : "/printers/" + Uri.EscapeDataString(queue))}");

    /// <summary>
    /// <paramref name="ippOption"/> if given; else asks the command host (<c>node show --json</c>). When the command
    /// host was not named explicitly and does not answer, falls back to 127.0.0.1:8631 with a note on stderr.
    /// </summary>
    public static async Task<IppTarget> ResolveAsync(string? ippOption, NodeEndpoint commandHost, bool commandHostGiven, TextWriter error, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(ippOption))
        {
            return NodeEndpoint.TryParse(ippOption, out var ipp)
                ? new IppTarget(ipp, null)
                : throw new ArgumentException($"--ipp '{ippOption}' is not HOST:PORT");
        }
        try
        {
            await using var client = await CommandHostClient.ConnectAsync(commandHost, TimeSpan.FromSeconds(5), ct);
            JsonElement? node = null;
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(TimeSpan.FromSeconds(15));
            var code = await client.RunAsync(new CommandRequest { Palette = "node", Verb = "show", Json = true }, reply =>
            {
                if (reply.Kind == ReplyKinds.Data && reply.Data is { } data) node = JsonSerializer.Deserialize<JsonElement>(data.ToJsonString());
                return ValueTask.CompletedTask;
            }, limit.Token);
            if (code != ExitCodes.Ok || node is not { } n) throw new CommandHostUnreachableException($"the command host at {commandHost} did not describe the node");
            var listen = n.GetProperty("listenAddress").GetString() ?? "0.0.0.0";
            var host = listen is "0.0.0.0" or "::" or "[::]" ? commandHost.Host : listen;
            return new IppTarget(new NodeEndpoint(host, n.GetProperty("ippPort").GetInt32()), n.GetProperty("defaultQueue").GetString());
        }
        catch (CommandHostUnreachableException e) when (!commandHostGiven)
        {
            await error.WriteLineAsync($"spoolctl: {e.Message}; using IPP at {NodeEndpoint.DefaultIpp} (give --ipp HOST:PORT to choose)");
            return new IppTarget(NodeEndpoint.DefaultIpp, null);
        }
    }
}

/// <summary>A read-only stream that reports how many bytes were read from it (for progress bars).</summary>
public sealed class ProgressStream(Stream inner, Action<long> onRead) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = inner.Read(buffer, offset, count);
        if (n > 0) onRead(n);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        if (n > 0) onRead(n);
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
