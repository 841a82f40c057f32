using System.Globalization;
using ActorSpool.Domain.Topology;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorSpool.Domain.Jobs;

/// <summary>A department: the jobs of its users get its priority when the client asks for none.</summary>
public sealed record Department(string Name, int Priority, IReadOnlyList<string> Users);

/// <summary>
/// <c>actorspool.departments</c>: maps a job's owner to a default priority, so a department's jobs go first across
/// every queue (the balancer grants the highest priority first). A job's priority is the one its client asked for,
/// else its owner's department's, else its queue's default-priority. User names match exactly (case-sensitive, as
/// logins and admins do); a user belongs to one department at most. There are no groups: the spooler knows users
/// only (htpasswd logins or the requesting-user-name), so a department lists its users.
/// </summary>
public sealed class Departments
{
    public const string ConfigPath = "actorspool.departments";

    private static readonly string[] Keys = ["priority", "users"];

    public static readonly Departments None = new([]);

    private readonly Dictionary<string, Department> _byUser = new(StringComparer.Ordinal);

    /// <exception cref="ArgumentException">A user is in two departments, or a priority is outside 1..100.</exception>
    public Departments(IEnumerable<Department> departments)
    {
        ArgumentNullException.ThrowIfNull(departments);
        All = departments.ToList();
        foreach (var department in All)
        {
            if (department.Priority is < TopologyDefaults.MinPriority or > TopologyDefaults.MaxPriority)
            {
                throw new ArgumentException($"department {department.Name}: priority {department.Priority} is outside {TopologyDefaults.MinPriority}..{TopologyDefaults.MaxPriority}");
            }
            foreach (var user in department.Users)
            {
                if (!_byUser.TryAdd(user, department))
                {
                    throw new ArgumentException($"user {user} is in two departments, {_byUser[user].Name} and {department.Name}: a user belongs to one");
                }
            }
        }
    }

    public IReadOnlyList<Department> All { get; }

    /// <summary>The department <paramref name="owner"/> belongs to, or null.</summary>
    public Department? Of(string owner) => _byUser.GetValueOrDefault(owner);

    /// <summary>
    /// The priority a new job gets: <paramref name="requested"/> (the client's job-priority) if any, else the owner's
    /// department's; null leaves it to the queue's default-priority.
    /// </summary>
    public int? PriorityFor(int? requested, string owner) => requested ?? Of(owner)?.Priority;

    /// <summary>Reads <c>actorspool.departments</c>; none when absent or empty.</summary>
    /// <exception cref="ConfigurationException">Every problem of the block, one per line, each naming its key.</exception>
    public static Departments FromConfig(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var section = config.IsEmpty ? null : config.GetValue(ConfigPath);
        if (section is null || section.IsEmpty) return None;
        if (!section.IsObject())
        {
            throw new ConfigurationException($"{ConfigPath} must be an object of departments, e.g. {{ a {{ priority = 90, users = [alice, bob] }} }}");
        }

        var problems = new List<string>();
        var departments = new List<Department>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in section.GetObject().Items)
        {
            var path = $"{ConfigPath}.{name}";
            if (value is null || value.IsEmpty || !value.IsObject())
            {
                problems.Add($"{path} must be an object, e.g. {{ priority = 90, users = [alice, bob] }}");
                continue;
            }

            var fields = value.GetObject().Items;
            foreach (var key in fields.Keys.Where(k => !Keys.Contains(k, StringComparer.Ordinal)))
            {
                problems.Add(key == "groups"
                    ? $"{path}.groups: the spooler has no groups (it knows users only); list the department's users in {path}.users"
                    : $"{path}.{key}: unknown key (a department has {string.Join(" and ", Keys)})");
            }

            var priority = ReadPriority(fields.GetValueOrDefault("priority"), $"{path}.priority", problems);
            var users = ReadUsers(fields.GetValueOrDefault("users"), $"{path}.users", problems);
            foreach (var user in users)
            {
                if (!seen.TryAdd(user, name) && seen[user] != name) problems.Add($"{path}.users: {user} is already in department {seen[user]}; a user belongs to one department");
            }
            if (priority is { } p) departments.Add(new Department(name, p, users.Distinct(StringComparer.Ordinal).ToList()));
        }

        if (problems.Count > 0) throw new ConfigurationException(string.Join(Environment.NewLine, problems));
        return new Departments(departments);
    }

    private static int? ReadPriority(HoconValue? value, string path, List<string> problems)
    {
        var range = $"{TopologyDefaults.MinPriority}..{TopologyDefaults.MaxPriority}";
        if (value is null || value.IsEmpty)
        {
            problems.Add($"{path} is missing: the priority ({range}) the department's jobs get when the client asks for none");
            return null;
        }
        var text = value.IsString() ? value.GetString()?.Trim() : null;
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var priority)
            || priority is < TopologyDefaults.MinPriority or > TopologyDefaults.MaxPriority)
        {
            problems.Add($"{path} must be a whole number in {range}, not '{text ?? "a list or object"}'");
            return null;
        }
        return priority;
    }

    private static List<string> ReadUsers(HoconValue? value, string path, List<string> problems)
    {
        if (value is null || value.IsEmpty) return [];
        if (!value.IsArray())
        {
            problems.Add($"{path} must be a list of user names, e.g. [alice, bob]");
            return [];
        }
        var users = new List<string>();
        foreach (var item in value.GetArray())
        {
            var user = item.IsString() ? item.GetString()?.Trim() : null;
            if (string.IsNullOrEmpty(user))
            {
                problems.Add($"{path} must hold user names only (a name is a non-empty string)");
                continue;
            }
            users.Add(user);
        }
        return users;
    }
}
