using System.Net;

namespace ActorSpool.Node.Ingress;

/// <summary>
/// Counts a listener's open connections, in total and per client address, and says whether one more may be served.
/// One client opening connections without end then fills its own share, not the listener: the others still get in.
/// Thread-safe; every admitted connection must be released exactly once (dispose the lease).
/// </summary>
public sealed class ConnectionLimiter
{
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private readonly Lock _gate = new();
    private int _total;

    public ConnectionLimiter(int maxConnections, int maxPerAddress)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConnections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerAddress, 1);
        MaxConnections = maxConnections;
        MaxPerAddress = maxPerAddress;
    }

    public int MaxConnections { get; }

    public int MaxPerAddress { get; }

    /// <summary>Connections being served.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _total;
            }
        }
    }

    /// <summary>A lease for one more connection from <paramref name="address"/>, or null with the limit it would pass.</summary>
    public Lease? TryAdmit(IPAddress? address, out string refusal)
    {
        // IPv4 clients of a dual-stack listener arrive as ::ffff:a.b.c.d; count them under their IPv4 address.
        var key = address is null ? IPAddress.None : address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        lock (_gate)
        {
            if (_total >= MaxConnections)
            {
                refusal = $"{_total} connections are open, the most this listener serves";
                return null;
            }

            _perAddress.TryGetValue(key, out var open);
            if (open >= MaxPerAddress)
            {
                refusal = $"{open} connections from {key} are open, the most one address may have";
                return null;
            }

            _perAddress[key] = open + 1;
            _total++;
        }

        refusal = "";
        return new Lease(this, key);
    }

    private void Release(IPAddress key)
    {
        lock (_gate)
        {
            _total--;
            if (_perAddress[key] == 1)
            {
                _perAddress.Remove(key);
            }
            else
            {
                _perAddress[key]--;
            }
        }
    }

    /// <summary>One admitted connection; disposing it frees its place (again is harmless).</summary>
    public sealed class Lease(ConnectionLimiter limiter, IPAddress key) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                limiter.Release(key);
            }
        }
    }
}
