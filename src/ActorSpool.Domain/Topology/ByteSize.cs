using System.Globalization;

namespace ActorSpool.Domain.Topology;

/// <summary>HOCON size values: a number and an optional unit (B, K/Ki/KiB, kB, M/Mi/MiB, MB, G..., T...).</summary>
public static class ByteSize
{
    private static readonly Dictionary<string, long> Units = BuildUnits();

    /// <summary>Parses "1024", "512K", "64M", "64MiB", "100 MB", "1.5G" (rounded down to whole bytes).</summary>
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        var split = 0;
        while (split < trimmed.Length && (char.IsAsciiDigit(trimmed[split]) || trimmed[split] is '.' or '-' or '+'))
        {
            split++;
        }

        var number = trimmed[..split];
        var unit = trimmed[split..].Trim();
        if (!Units.TryGetValue(unit, out var multiplier))
        {
            return false;
        }

        if (long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
        {
            try
            {
                bytes = checked(whole * multiplier);
                return true;
            }
            catch (OverflowException)
            {
                return false;
            }
        }

        if (decimal.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var fraction))
        {
            try
            {
                bytes = (long)decimal.Floor(fraction * multiplier);
                return true;
            }
            catch (OverflowException)
            {
                return false;
            }
        }

        return false;
    }

    private static Dictionary<string, long> BuildUnits()
    {
        var units = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            [""] = 1, ["B"] = 1, ["b"] = 1, ["byte"] = 1, ["bytes"] = 1,
        };
        string[] binaryNames = ["kibibyte", "mebibyte", "gibibyte", "tebibyte"];
        string[] decimalNames = ["kilobyte", "megabyte", "gigabyte", "terabyte"];
        var letters = "KMGT";
        long binary = 1, dec = 1;
        for (var i = 0; i < letters.Length; i++)
        {
            binary *= 1024;
            dec *= 1000;
            var upper = letters[i].ToString();
            var lower = upper.ToLowerInvariant();
            foreach (var u in new[] { upper, lower, upper + "i", lower + "i", upper + "iB", binaryNames[i], binaryNames[i] + "s" })
            {
                units[u] = binary;
            }

            foreach (var u in new[] { upper + "B", decimalNames[i], decimalNames[i] + "s" })
            {
                units[u] = dec;
            }
        }

        units["kB"] = 1000;
        return units;
    }
}
