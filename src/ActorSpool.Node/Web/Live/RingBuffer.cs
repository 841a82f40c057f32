namespace ActorSpool.Node.Web.Live;

/// <summary>The last <see cref="Capacity"/> items, oldest dropped first: the live feed's memory never grows past it.</summary>
public sealed class RingBuffer<T>(int capacity)
{
    private readonly T[] _items = new T[capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity))];
    private long _written;

    public int Capacity => _items.Length;

    public int Count => (int)Math.Min(_written, _items.Length);

    public void Add(T item) => _items[_written++ % _items.Length] = item;

    /// <summary>The newest item, or default when empty.</summary>
    public T? Last => _written == 0 ? default : _items[(_written - 1) % _items.Length];

    /// <summary>The items, oldest first.</summary>
    public T[] ToArray()
    {
        var count = Count;
        var result = new T[count];
        for (var i = 0; i < count; i++) result[i] = _items[(_written - count + i) % _items.Length];
        return result;
    }
}
