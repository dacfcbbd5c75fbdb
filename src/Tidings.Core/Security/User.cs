using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Tidings.Core.Security;

/// <summary>Permissions of a user in one virtual host: three regular expressions on resource names.</summary>
public sealed record VhostPermissions(string Configure, string Write, string Read)
{
    /// <summary>Everything allowed, as RabbitMQ grants the default user.</summary>
    public static readonly VhostPermissions All = new(".*", ".*", ".*");

    /// <summary>The three patterns anchored and parsed once, on first use: checks run on every publish.</summary>
    private CompiledPattern?[]? _compiled;

    private sealed record CompiledPattern(string Pattern, Regex Regex);

    /// <summary>Equal when the three patterns are (the parsed cache is not part of the value).</summary>
    public bool Equals(VhostPermissions? other) =>
        other is not null && Configure == other.Configure && Write == other.Write && Read == other.Read;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Configure, Write, Read);

    /// <summary>True when <paramref name="resource"/> is allowed for <paramref name="kind"/>.</summary>
    public bool Allows(Permission kind, string resource)
    {
        string pattern = kind switch { Permission.Configure => Configure, Permission.Write => Write, _ => Read };
        if (pattern == ".*") return true;
        if (pattern.Length == 0) return false;
        var compiled = _compiled ??= new CompiledPattern?[3];
        // Checked against the pattern so that a copy made with `with` never uses its original's regex.
        if (compiled[(int)kind] is not { } entry || !ReferenceEquals(entry.Pattern, pattern))
        {
            entry = new CompiledPattern(pattern,
                new Regex("^(?:" + pattern + ")$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100)));
            compiled[(int)kind] = entry;
        }
        return entry.Regex.IsMatch(resource);
    }
}

/// <summary>A broker user: salted SHA-256 password hash (as RabbitMQ stores it), tags and permissions.</summary>
public sealed class User
{
    /// <summary>Serialises writers of <see cref="_permissions"/>.</summary>
    private readonly Lock _lock = new();
    /// <summary>Permissions by vhost, replaced whole on change: every publish reads it, without a lock.</summary>
    private volatile Dictionary<string, VhostPermissions> _permissions = new(StringComparer.Ordinal);
    private byte[] _salt;
    private byte[] _hash;

    internal User(string name, string password, IEnumerable<string> tags)
    {
        Name = name;
        _tags = [.. tags];
        (_salt, _hash) = HashPassword(password);
    }

    public string Name { get; }

    /// <summary>Told when tags, password or permissions change (the broker persists definitions).</summary>
    internal Action? Changed { get; init; }

    /// <summary>Tags such as "administrator", "monitoring", "impersonator".</summary>
    public IReadOnlyList<string> Tags
    {
        get => _tags;
        set
        {
            _tags = value;
            Changed?.Invoke();
        }
    }

    private IReadOnlyList<string> _tags;

    /// <summary>Checks a password in constant time.</summary>
    public bool CheckPassword(string password) =>
        CryptographicOperations.FixedTimeEquals(Hash(_salt, password), _hash);

    public void SetPassword(string password)
    {
        (_salt, _hash) = HashPassword(password);
        Changed?.Invoke();
    }

    /// <summary>
    /// The password hash as RabbitMQ exports it (rabbit_password_hashing_sha256): base64 of a
    /// 4-byte salt followed by SHA-256(salt + password). Definitions round-trip through it.
    /// </summary>
    public string PasswordHash => Convert.ToBase64String([.. _salt, .. _hash]);

    /// <summary>The hashing algorithm name RabbitMQ writes next to <see cref="PasswordHash"/>.</summary>
    public const string HashingAlgorithm = "rabbit_password_hashing_sha256";

    /// <summary>Replaces the password by an exported hash; false when it is not a SHA-256 hash of that shape.</summary>
    public bool SetPasswordHash(string passwordHash)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(passwordHash);
        }
        catch (FormatException)
        {
            return false;
        }
        if (bytes.Length != 4 + 32) return false;
        _salt = bytes[..4];
        _hash = bytes[4..];
        Changed?.Invoke();
        return true;
    }

    /// <summary>Grants (or replaces) permissions in a virtual host.</summary>
    public void SetPermissions(string vhost, VhostPermissions permissions)
    {
        lock (_lock) _permissions = new(_permissions, StringComparer.Ordinal) { [vhost] = permissions };
        Changed?.Invoke();
    }

    /// <summary>Removes all access to a virtual host.</summary>
    public void ClearPermissions(string vhost)
    {
        lock (_lock)
        {
            var without = new Dictionary<string, VhostPermissions>(_permissions, StringComparer.Ordinal);
            without.Remove(vhost);
            _permissions = without;
        }
        Changed?.Invoke();
    }

    /// <summary>The permissions in <paramref name="vhost"/>; null when the user has no access.</summary>
    public VhostPermissions? PermissionsFor(string vhost)
    {
        return _permissions.GetValueOrDefault(vhost);
    }

    /// <summary>All permissions by vhost.</summary>
    public IReadOnlyDictionary<string, VhostPermissions> AllPermissions
    {
        get { return new Dictionary<string, VhostPermissions>(_permissions); }
    }

    private static (byte[] Salt, byte[] Hash) HashPassword(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(4);
        return (salt, Hash(salt, password));
    }

    private static byte[] Hash(byte[] salt, string password)
    {
        var input = new byte[salt.Length + Encoding.UTF8.GetByteCount(password)];
        salt.CopyTo(input, 0);
        Encoding.UTF8.GetBytes(password, input.AsSpan(salt.Length));
        return SHA256.HashData(input);
    }
}
