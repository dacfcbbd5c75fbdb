namespace Tidings.Server.Cli;

/// <summary>Parses "--flag value", "--flag=value", switches, "-h/--help" and "--" against a verb's flags.</summary>
internal static class ArgumentParser
{
    public static ParsedArguments Parse(Verb verb, IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var positionals = new List<string>();
        var help = false;
        var onlyPositionals = false;

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (onlyPositionals || !arg.StartsWith('-') || arg == "-")
            {
                positionals.Add(arg);
                continue;
            }
            if (arg == "--")
            {
                onlyPositionals = true;
                continue;
            }
            if (arg is "-h" or "--help")
            {
                help = true;
                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg : arg[..equals];
            var flag = verb.FindFlag(name) ?? throw new UsageException(UnknownFlagMessage(verb, name));

            string value;
            if (!flag.TakesValue)
            {
                if (equals >= 0)
                {
                    throw new UsageException($"flag {name} takes no value");
                }
                value = "true";
            }
            else if (equals >= 0)
            {
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count && !LooksLikeFlag(args[i + 1]))
            {
                value = args[++i];
            }
            else
            {
                throw new UsageException($"flag {name} needs a value: {name} <{flag.ValueName}>");
            }

            if (flag.Validate?.Invoke(value) is { } problem)
            {
                throw new UsageException($"invalid value '{value}' for {name}: {problem}");
            }
            values[name] = value;
        }

        if (positionals.Count > verb.MaxPositionals)
        {
            throw new UsageException($"unexpected argument '{positionals[verb.MaxPositionals]}'");
        }
        return new ParsedArguments(verb, values, positionals, help);
    }

    // "-5" could be a value one day, but no flag takes negative numbers, so a leading dash means a flag.
    private static bool LooksLikeFlag(string arg) => arg.Length > 1 && arg[0] == '-';

    private static string UnknownFlagMessage(Verb verb, string name)
    {
        var known = string.Join(", ", verb.Flags.Select(f => f.Name).Append("--help"));
        return $"unknown flag '{name}' (known flags: {known})";
    }
}
