namespace ActorSpool.Node.Security;

/// <summary>
/// Slows password guessing: after <c>maxFailures</c> failed logins within <c>window</c> from one client address, or
/// for one user name, further attempts from that address or for that name are refused without checking the password
/// until the oldest failure is older than the window. A success for a name clears that name's failures.
/// </summary>
public sealed class LoginThrottle(int maxFailures, TimeSpan window, TimeProvider time)
{
    // Bounded: an attacker cycling through addresses or names cannot grow this past a fixed size.
    private const int MaxTrackedKeys = 10_000;

    private readonly Dictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public int MaxFailures => maxFailures;

    public TimeSpan Window => window;

    /// <summary>Whether an attempt from <paramref name="address"/> for <paramref name="user"/> is refused unchecked now.</summary>
    public bool IsBlocked(string address, string user)
    {
        lock (_gate)
        {
            return Count("addr:" + address) >= maxFailures || Count("user:" + user) >= maxFailures;
        }
    }

    public void Failed(string address, string user)
    {
        lock (_gate)
        {
            if (_failures.Count >= MaxTrackedKeys) Prune();
            Add("addr:" + address);
            Add("user:" + user);
        }
    }

    public void Succeeded(string user)
    {
        lock (_gate)
        {
            _failures.Remove("user:" + user);
        }
    }

    private int Count(string key)
    {
        if (!_failures.TryGetValue(key, out var times)) return 0;
        var oldest = time.GetUtcNow() - window;
        while (times.Count > 0 && times.Peek() <= oldest) times.Dequeue();
        if (times.Count == 0) _failures.Remove(key);
        return times.Count;
    }

    private void Add(string key)
    {
        if (!_failures.TryGetValue(key, out var times)) _failures[key] = times = new Queue<DateTimeOffset>();
        times.Enqueue(time.GetUtcNow());
        while (times.Count > maxFailures) times.Dequeue();
    }

    private void Prune()
    {
        foreach (var key in _failures.Keys.ToArray()) Count(key);
        if (_failures.Count < MaxTrackedKeys) return;
        // Still full of live entries: forget the half with the oldest last failure.
        foreach (var key in _failures.OrderBy(kv => kv.Value.Last()).Take(_failures.Count / 2).Select(kv => kv.Key).ToArray()) _failures.Remove(key);
    }
}
