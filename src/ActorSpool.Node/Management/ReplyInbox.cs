using System.Threading.Channels;
using Akka.Actor;

namespace ActorSpool.Node.Management;

/// <summary>
/// A short-lived actor that collects every message sent to it, for commands that expect several answers
/// (Identify over a wildcard selection, a delivery's "queued" then "finished"). Stops on dispose.
/// </summary>
public sealed class ReplyInbox : IDisposable
{
    /// <summary>Inboxes are named with this prefix (and left out of <c>actor hierarchy</c>).</summary>
    public const string NamePrefix = "spoolctl-inbox-";

    private readonly ActorSystem _system;
    private readonly Channel<object> _messages = Channel.CreateUnbounded<object>();

    private ReplyInbox(ActorSystem system)
    {
        _system = system;
        Ref = system.ActorOf(Props.Create(() => new Collector(_messages.Writer)), $"{NamePrefix}{Guid.NewGuid():N}");
    }

    public IActorRef Ref { get; }

    public static ReplyInbox Create(ActorSystem system) => new(system);

    /// <summary>The next message of type <typeparamref name="T"/> within <paramref name="timeout"/>, or null.</summary>
    public async Task<T?> NextAsync<T>(TimeSpan timeout, CancellationToken ct)
        where T : class
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var message = await _messages.Reader.ReadAsync(limit.Token);
                if (message is T wanted) return wanted;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Messages until none arrived for <paramref name="quiet"/> or <paramref name="max"/> passed.</summary>
    public async Task<IReadOnlyList<object>> CollectAsync(TimeSpan quiet, TimeSpan max, CancellationToken ct)
    {
        var result = new List<object>();
        var deadline = DateTime.UtcNow + max;
        while (DateTime.UtcNow < deadline)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(Min(quiet, deadline - DateTime.UtcNow));
            try
            {
                result.Add(await _messages.Reader.ReadAsync(wait.Token));
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                break;
            }
        }
        return result;

        static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : (b > TimeSpan.Zero ? b : TimeSpan.Zero);
    }

    public void Dispose() => _system.Stop(Ref);

    private sealed class Collector : ReceiveActor
    {
        public Collector(ChannelWriter<object> writer) => ReceiveAny(message => writer.TryWrite(message));
    }
}
