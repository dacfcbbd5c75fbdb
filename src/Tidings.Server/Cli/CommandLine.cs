namespace Tidings.Server.Cli;

/// <summary>Entry point of the executable: picks the verb, parses its flags, runs it and maps failures to exit codes.</summary>
internal static class CommandLine
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length == 0)
        {
            await error.WriteLineAsync("tidings: no command given.").ConfigureAwait(false);
            await error.WriteLineAsync().ConfigureAwait(false);
            HelpText.WriteOverview(error);
            return ExitCodes.Failure;
        }

        var name = args[0] is "-h" or "--help" ? HelpCommand.Verb.Name : args[0];
        var verb = Verbs.Find(name);
        if (verb is null)
        {
            await error.WriteLineAsync($"tidings: unknown command '{name}'. Run 'tidings --help' to list the commands.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        try
        {
            var arguments = ArgumentParser.Parse(verb, args[1..]);
            if (arguments.HelpRequested)
            {
                HelpText.WriteVerb(output, verb);
                return ExitCodes.Success;
            }
            return await verb.RunAsync(new VerbInvocation(arguments, output, error)).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"tidings {verb.Name}: {e.Message}").ConfigureAwait(false);
            await error.WriteLineAsync($"Run 'tidings {verb.Name} --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
    }
}
