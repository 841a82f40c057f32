using System.Globalization;
using System.Threading.Channels;

namespace ActorSpool.Node.Management;

/// <summary>One log line kept for <c>log peek</c> / <c>log tail</c>.</summary>
public sealed record LogEntry(DateTimeOffset Time, LogLevel Level, string Category, string Message, string? Exception)
{
    public string Format() =>
        $"{Time.ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {LevelName(Level)}: {Category}: {Message}"
        + (Exception is null ? "" : $" ({Exception})");

    public static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}

/// <summary>
/// The node's most recent log lines (everything that goes through Microsoft.Extensions.Logging, Akka's logs
/// included), fed by <see cref="RingBufferLoggerProvider"/>. Readers take a copy or subscribe to new lines.
/// </summary>
public sealed class LogRingBuffer(int capacity = LogRingBuffer.DefaultCapacity)
{
    public const int DefaultCapacity = 2000;

    private readonly LogEntry[] _entries = new LogEntry[capacity];
    private readonly object _gate = new();
    private readonly List<Channel<LogEntry>> _subscribers = [];
    private long _written;

    public int Capacity => capacity;

    public void Add(LogEntry entry)
    {
        Channel<LogEntry>[] subscribers;
        lock (_gate)
        {
            _entries[_written % capacity] = entry;
            _written++;
            subscribers = _subscribers.Count == 0 ? [] : _subscribers.ToArray();
        }
        foreach (var subscriber in subscribers) subscriber.Writer.TryWrite(entry);
    }

    /// <summary>The last <paramref name="count"/> entries, oldest first.</summary>
    public IReadOnlyList<LogEntry> Last(int count)
    {
        lock (_gate)
        {
            var available = (int)Math.Min(_written, capacity);
            var take = Math.Clamp(count, 0, available);
            var result = new LogEntry[take];
            for (var i = 0; i < take; i++) result[i] = _entries[(_written - take + i) % capacity];
            return result;
        }
    }

    /// <summary>
    /// The last <paramref name="backlog"/> entries that pass <paramref name="filter"/>, then every new one that does, until <paramref name="ct"/> is cancelled.
    /// A reader that falls far behind loses the oldest unread lines rather than slowing the node down.
    /// The backlog and the subscription are taken together, so no line falls between them; <paramref name="caughtUp"/>
    /// runs once the backlog is handed out and every later entry is a new one.
    /// </summary>
    public async IAsyncEnumerable<LogEntry> FollowAsync(int backlog, Func<LogEntry, bool> filter,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct, Action? caughtUp = null)
    {
        var channel = Channel.CreateBounded<LogEntry>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        IReadOnlyList<LogEntry> recent;
        lock (_gate)
        {
            recent = Last(capacity).Where(filter).TakeLast(backlog).ToList();
            _subscribers.Add(channel);
        }
        try
        {
            foreach (var entry in recent) yield return entry;
            caughtUp?.Invoke();
            while (await channel.Reader.WaitToReadAsync(ct))
            {
                while (channel.Reader.TryRead(out var entry))
                {
                    if (filter(entry)) yield return entry;
                }
            }
        }
        finally
        {
            lock (_gate) _subscribers.Remove(channel);
        }
    }
}

/// <summary>Feeds <see cref="LogRingBuffer"/> from Microsoft.Extensions.Logging (the node's filters apply).</summary>
[ProviderAlias("SpoolctlRingBuffer")]
public sealed class RingBufferLoggerProvider(LogRingBuffer buffer) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new RingBufferLogger(buffer, categoryName);

    public void Dispose()
    {
    }

    private sealed class RingBufferLogger(LogRingBuffer buffer, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var message = formatter(state, exception);
            buffer.Add(new LogEntry(DateTimeOffset.UtcNow, logLevel, category, message, exception is null ? null : $"{exception.GetType().Name}: {exception.Message}"));
        }
    }
}
