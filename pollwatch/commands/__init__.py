"""Pure `pollwatch` subcommands: one module each with HELP, add_arguments(parser), run(args) -> int.

They read plain files and print tables or stable JSON; none imports Django.
Adding a command means copying one module and listing it in pollwatch.cli.PURE_COMMANDS.
"""
