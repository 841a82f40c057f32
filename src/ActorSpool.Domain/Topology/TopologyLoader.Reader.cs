using System.Globalization;
using System.Text.RegularExpressions;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorSpool.Domain.Topology;

// Reading one file's HOCON values with the file, key and problem in every error.
public static partial class TopologyLoader
{
    private sealed class Reader(string source)
    {
        private readonly HashSet<string> _declaredPrinters = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, string> _printerCanonical = new(StringComparer.OrdinalIgnoreCase);
        private readonly HashSet<string> _declaredQueues = new(StringComparer.OrdinalIgnoreCase);

        public List<string> Problems { get; } = [];

        private void Problem(string path, string problem) => Problems.Add($"{source}: {path}: {problem}");

        public SpoolTopology? Read(Config config)
        {
            var root = config.IsEmpty ? null : config.GetValue(Root);
            if (root is not null && !root.IsEmpty && !root.IsObject())
            {
                Problem(Root, "must be an object with 'printers' and 'queues'");
                return null;
            }

            var items = root is null || root.IsEmpty ? new Dictionary<string, HoconValue>() : root.GetObject().Items;

            var printers = ReadPrinters(items.GetValueOrDefault("printers"));
            var queues = ReadQueues(items.GetValueOrDefault("queues"));
            var defaultQueue = ReadDefaultQueue(items.GetValueOrDefault("default-queue"), queues);
            var demo = ReadBoolean(items.GetValueOrDefault("demo-printers"), DemoPrintersPath, false);

            if (Problems.Count > 0 || defaultQueue is null)
            {
                return null;
            }

            return new SpoolTopology(printers, queues, defaultQueue) { DemoPrinters = demo };
        }

        private Dictionary<string, PrinterDefinition> ReadPrinters(HoconValue? section)
        {
            var result = new Dictionary<string, PrinterDefinition>(StringComparer.OrdinalIgnoreCase);
            if (!IsPresent(section) || (section!.IsObject() && section.GetObject().Items.Count == 0))
            {
                Problem(PrintersPath, "no printers defined");
                return result;
            }

            if (!section.IsObject())
            {
                Problem(PrintersPath, "must be an object of printer definitions, e.g. printers { lj-1 { uri = \"socket://host:9100\" } }");
                return result;
            }

            foreach (var (name, value) in section.GetObject().Items)
            {
                var path = Key(PrintersPath, name);
                var nameOk = CheckName(path, name, "printer", _printerCanonical);
                _declaredPrinters.Add(name);

                if (!IsPresent(value) || !value.IsObject())
                {
                    Problem(path, "must be an object with a 'uri', e.g. { uri = \"socket://host:9100\" }");
                    continue;
                }

                var fields = value.GetObject().Items;
                ReportUnknownKeys(path, fields, PrinterKeys);
                var uri = ReadUri(fields.GetValueOrDefault("uri"), Key(path, "uri"), required: true);
                var fallbacks = ReadFallbacks(fields, path);
                var sequential = ReadBoolean(fields.GetValueOrDefault("sequential"), Key(path, "sequential"), false);
                var before = Problems.Count;
                var (site, alternate) = ReadSites(fields, path);
                if (nameOk && uri is not null && fallbacks is not null && Problems.Count == before)
                {
                    result[name] = new PrinterDefinition(name, uri, fallbacks.FirstOrDefault())
                    {
                        FallbackUris = fallbacks, Sequential = sequential, Site = site, AlternateSite = alternate,
                    };
                }
            }

            return result;
        }

        private Dictionary<string, QueueDefinition> ReadQueues(HoconValue? section)
        {
            var result = new Dictionary<string, QueueDefinition>(StringComparer.OrdinalIgnoreCase);
            if (!IsPresent(section) || (section!.IsObject() && section.GetObject().Items.Count == 0))
            {
                Problem(QueuesPath, "no queues defined");
                return result;
            }

            if (!section.IsObject())
            {
                Problem(QueuesPath, "must be an object of queue definitions, e.g. queues { office { printers = [lj-1] } }");
                return result;
            }

            var queueCanonical = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var rawPorts = new Dictionary<int, string>();
            foreach (var (name, value) in section.GetObject().Items)
            {
                var path = Key(QueuesPath, name);
                var nameOk = CheckName(path, name, "queue", queueCanonical);
                _declaredQueues.Add(name);

                if (!IsPresent(value) || !value.IsObject())
                {
                    Problem(path, "must be an object with 'printers', e.g. { printers = [lj-1] }");
                    continue;
                }

                var fields = value.GetObject().Items;
                var before = Problems.Count;
                ReportUnknownKeys(path, fields, QueueKeys);
                var printers = ReadQueuePrinters(fields.GetValueOrDefault("printers"), Key(path, "printers"));
                var mode = ReadMode(fields.GetValueOrDefault("mode"), Key(path, "mode"));
                var sequential = ReadBoolean(fields.GetValueOrDefault("sequential"), Key(path, "sequential"), TopologyDefaults.Sequential);
                var priority = ReadInt(fields.GetValueOrDefault("default-priority"), Key(path, "default-priority"),
                    TopologyDefaults.DefaultPriority, TopologyDefaults.MinPriority, TopologyDefaults.MaxPriority);
                var attempts = ReadInt(fields.GetValueOrDefault("max-attempts"), Key(path, "max-attempts"),
                    TopologyDefaults.MaxAttempts, 1, TopologyDefaults.MaxMaxAttempts);
                var maxBytes = ReadSize(fields.GetValueOrDefault("max-document-size"), Key(path, "max-document-size"),
                    TopologyDefaults.MaxDocumentBytes);
                var maxJobs = ReadInt(fields.GetValueOrDefault("max-jobs"), Key(path, "max-jobs"), TopologyDefaults.MaxJobs, 1, int.MaxValue);
                var maxJobsPerUser = ReadInt(fields.GetValueOrDefault("max-jobs-per-user"), Key(path, "max-jobs-per-user"),
                    TopologyDefaults.MaxJobsPerUser, 0, int.MaxValue);
                var maxDocuments = ReadInt(fields.GetValueOrDefault("max-documents-per-job"), Key(path, "max-documents-per-job"),
                    TopologyDefaults.MaxDocumentsPerJob, 1, int.MaxValue);
                var (site, alternate) = ReadSites(fields, path);
                int? rawPort = null;
                var rawPortValue = fields.GetValueOrDefault("raw-port");
                if (IsPresent(rawPortValue))
                {
                    var rawPortPath = Key(path, "raw-port");
                    var port = ReadInt(rawPortValue, rawPortPath, 0, 1, 65535);
                    if (port > 0)
                    {
                        if (rawPorts.TryGetValue(port, out var other))
                        {
                            Problem(rawPortPath, $"raw-port {port} is already used by queue '{other}'");
                        }
                        else
                        {
                            rawPorts[port] = name;
                        }

                        rawPort = port;
                    }
                }

                if (nameOk && Problems.Count == before)
                {
                    result[name] = new QueueDefinition(name, printers, mode, sequential, priority, attempts, maxBytes, rawPort)
                    {
                        MaxJobs = maxJobs,
                        MaxJobsPerUser = maxJobsPerUser,
                        MaxDocumentsPerJob = maxDocuments,
                        Site = site,
                        AlternateSite = alternate,
                    };
                }
            }

            return result;
        }

        private List<string> ReadQueuePrinters(HoconValue? value, string path)
        {
            var printers = new List<string>();
            if (!IsPresent(value))
            {
                Problem(path, "missing: a queue needs at least one printer");
                return printers;
            }

            // Akka's IsArray() is false for "[]" and "[ ]" parses as one empty element: look at the parts instead.
            if (!IsList(value!))
            {
                Problem(path, "must be a list of printer names, e.g. [lj-1, lj-2]");
                return printers;
            }

            var elements = value!.GetArray().Where(e => !e.IsEmpty).ToList();
            if (elements.Count == 0)
            {
                Problem(path, "a queue needs at least one printer");
                return printers;
            }

            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < elements.Count; i++)
            {
                var elementPath = $"{path}[{i}]";
                var element = elements[i];
                if (!IsPresent(element) || !element.IsString())
                {
                    Problem(elementPath, "must be a printer name");
                    continue;
                }

                var name = element.GetString()?.Trim() ?? "";
                if (name.Length == 0)
                {
                    Problem(elementPath, "must be a printer name");
                }
                else if (!_declaredPrinters.Contains(name))
                {
                    Problem(elementPath, $"unknown printer '{name}'");
                }
                else if (!seen.Add(name))
                {
                    Problem(elementPath, $"printer '{name}' is listed more than once");
                }
                else
                {
                    printers.Add(_printerCanonical.GetValueOrDefault(name, name));
                }
            }

            return printers;
        }

        private string? ReadDefaultQueue(HoconValue? value, Dictionary<string, QueueDefinition> queues)
        {
            if (IsPresent(value))
            {
                var name = ReadString(value!, DefaultQueuePath);
                if (name is null)
                {
                    return null;
                }

                if (queues.TryGetValue(name, out var queue))
                {
                    return queue.Name;
                }

                // A queue that exists but has its own problems is already reported; only a missing one is news.
                if (!_declaredQueues.Contains(name))
                {
                    Problem(DefaultQueuePath, $"unknown queue '{name}'");
                }

                return null;
            }

            return queues.Keys.Order(StringComparer.Ordinal).FirstOrDefault();
        }

        /// <summary><c>site</c> and <c>alternate-site</c> (names like printers'); an alternate needs a site and differs from it.</summary>
        private (string? Site, string? Alternate) ReadSites(Dictionary<string, HoconValue> fields, string path)
        {
            string? ReadSite(string key)
            {
                var value = fields.GetValueOrDefault(key);
                if (!IsPresent(value)) return null;
                var keyPath = Key(path, key);
                var text = ReadString(value!, keyPath);
                if (text is null) return null;
                if (NameRegex().IsMatch(text)) return text;
                Problem(keyPath, $"invalid site name '{text}': use 1-63 lower-case letters, digits, '-' or '_', starting with a letter or digit");
                return null;
            }

            var site = ReadSite("site");
            var alternate = ReadSite("alternate-site");
            if (alternate is not null && site is null && !IsPresent(fields.GetValueOrDefault("site")))
            {
                Problem(Key(path, "alternate-site"), "an alternate-site needs a site (the one it stands in for)");
                return (null, null);
            }
            if (alternate is not null && alternate == site)
            {
                Problem(Key(path, "alternate-site"), $"'{alternate}' is the site itself; name another site or leave alternate-site out");
                return (site, null);
            }
            return (site, alternate);
        }

        private bool CheckName(string path, string name, string kind, Dictionary<string, string> canonical)
        {
            var ok = true;
            if (!NameRegex().IsMatch(name))
            {
                Problem(path, $"invalid {kind} name '{name}': use 1-63 lower-case letters, digits, '-' or '_', starting with a letter or digit");
                ok = false;
            }

            if (canonical.TryGetValue(name, out var existing))
            {
                Problem(path, $"duplicate {kind} name '{name}' (same as '{existing}' ignoring case)");
                ok = false;
            }
            else
            {
                canonical[name] = name;
            }

            return ok;
        }

        private void ReportUnknownKeys(string path, IDictionary<string, HoconValue> fields, string[] known)
        {
            foreach (var key in fields.Keys)
            {
                if (!known.Contains(key, StringComparer.Ordinal))
                {
                    Problem(Key(path, key), $"unknown key '{key}' (expected one of: {string.Join(", ", known)})");
                }
            }
        }

        /// <summary>
        /// The further ways to the device, in the order they are tried: <c>fallback-uris = [...]</c> (any protocol), or
        /// the older single <c>fallback-uri</c>; null after a problem.
        /// </summary>
        private List<Uri>? ReadFallbacks(Dictionary<string, HoconValue> fields, string path)
        {
            var single = fields.GetValueOrDefault("fallback-uri");
            var list = fields.GetValueOrDefault("fallback-uris");
            if (IsPresent(single) && IsPresent(list))
            {
                Problem(path, "has both 'fallback-uri' and 'fallback-uris'; list every fallback in 'fallback-uris'");
                return null;
            }
            if (IsPresent(single))
            {
                return ReadUri(single, Key(path, "fallback-uri"), required: false) is { } one ? [one] : null;
            }
            if (!IsPresent(list))
            {
                return [];
            }
            var listPath = Key(path, "fallback-uris");
            if (!IsList(list!))
            {
                Problem(listPath, "must be a list of device URIs, e.g. [\"lpd://host/raw\", \"socket://host:9100\"]");
                return null;
            }
            var uris = new List<Uri>();
            var elements = list!.GetArray().Where(e => !e.IsEmpty).ToList();
            for (var i = 0; i < elements.Count; i++)
            {
                if (ReadUri(elements[i], $"{listPath}[{i}]", required: false) is not { } uri) return null;
                if (uris.Contains(uri))
                {
                    Problem($"{listPath}[{i}]", $"'{uri}' is listed twice");
                    return null;
                }
                uris.Add(uri);
            }
            return uris;
        }

        private Uri? ReadUri(HoconValue? value, string path, bool required)
        {
            if (!IsPresent(value))
            {
                if (required)
                {
                    Problem(path, "missing: every printer needs a device URI, e.g. socket://host:9100");
                }

                return null;
            }

            var text = ReadString(value!, path);
            if (text is null)
            {
                return null;
            }

            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || !text.Contains("://", StringComparison.Ordinal))
            {
                Problem(path, $"invalid URI '{text}'");
                return null;
            }

            var problem = uri.Scheme switch
            {
                SocketScheme or IppScheme or IppsScheme or LpdScheme when string.IsNullOrEmpty(uri.Host) => $"URI '{text}' has no host",
                SocketScheme when uri.Port is < 1 or > 65535 => $"socket URI '{text}' needs a port, e.g. socket://{uri.Host}:9100",
                LpdScheme when uri.AbsolutePath.Trim('/').Length == 0 => $"lpd URI '{text}' needs a queue path, e.g. lpd://{uri.Host}/raw",
                IppScheme or IppsScheme when uri.AbsolutePath.Trim('/').Length == 0 =>
                    $"{uri.Scheme} URI '{text}' needs a path, e.g. {uri.Scheme}://{uri.Authority}/ipp/print",
                SocketScheme or IppScheme or IppsScheme or LpdScheme => null,
                _ => $"unsupported URI scheme '{uri.Scheme}' in '{text}' (expected socket, ipp, ipps or lpd)",
            };

            if (problem is not null)
            {
                Problem(path, problem);
                return null;
            }

            return uri;
        }

        private QueueMode ReadMode(HoconValue? value, string path)
        {
            if (!IsPresent(value))
            {
                return TopologyDefaults.Mode;
            }

            var text = ReadString(value!, path);
            switch (text?.ToLowerInvariant())
            {
                case null:
                    return TopologyDefaults.Mode;
                case "failover":
                    return QueueMode.Failover;
                case "balance":
                    return QueueMode.Balance;
                default:
                    Problem(path, $"unknown mode '{text}' (expected failover or balance)");
                    return TopologyDefaults.Mode;
            }
        }

        private bool ReadBoolean(HoconValue? value, string path, bool defaultValue)
        {
            if (!IsPresent(value))
            {
                return defaultValue;
            }

            var text = ReadString(value!, path);
            switch (text?.ToLowerInvariant())
            {
                case null:
                    return defaultValue;
                case "on" or "true" or "yes":
                    return true;
                case "off" or "false" or "no":
                    return false;
                default:
                    Problem(path, $"must be on or off (true/false, yes/no), not '{text}'");
                    return defaultValue;
            }
        }

        private int ReadInt(HoconValue? value, string path, int defaultValue, int min, int max)
        {
            if (!IsPresent(value))
            {
                return defaultValue;
            }

            var text = ReadString(value!, path);
            if (text is null)
            {
                return defaultValue;
            }

            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            {
                Problem(path, $"must be a whole number from {min} to {max}, not '{text}'");
                return defaultValue;
            }

            if (number < min || number > max)
            {
                Problem(path, $"{number} is out of range ({min}..{max})");
                return defaultValue;
            }

            return number;
        }

        private long ReadSize(HoconValue? value, string path, long defaultValue)
        {
            if (!IsPresent(value))
            {
                return defaultValue;
            }

            var text = ReadString(value!, path);
            if (text is null)
            {
                return defaultValue;
            }

            if (!ByteSize.TryParse(text, out var bytes))
            {
                Problem(path, $"invalid size '{text}' (e.g. 1048576, 512K, 64M, 1G, 100MB)");
                return defaultValue;
            }

            if (bytes <= 0)
            {
                Problem(path, $"must be more than 0 bytes, not '{text}'");
                return defaultValue;
            }

            return bytes;
        }

        private string? ReadString(HoconValue value, string path)
        {
            if (!value.IsString())
            {
                Problem(path, value.IsArray() ? "must be a single value, not a list" : "must be a single value, not an object");
                return null;
            }

            var text = value.GetString()?.Trim();
            if (string.IsNullOrEmpty(text))
            {
                Problem(path, "has no value");
                return null;
            }

            return text;
        }

        private static bool IsPresent(HoconValue? value) => value is not null && !value.IsEmpty;

        private static bool IsList(HoconValue value) =>
            value.IsArray() ||
            (value.Values.Any(v => v is HoconArray) &&
             value.Values.All(v => v is HoconArray || (v.IsString() && string.IsNullOrWhiteSpace(v.GetString()))));
    }
}
