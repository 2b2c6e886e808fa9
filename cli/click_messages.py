"""click's own user-facing messages, listed so that Babel extracts them into papka's catalogue.

:func:`papka.cli.i18n.route_click_messages` sends click's lookups through papka's translation;
the msgids below must match click's source text exactly. Messages only a programmer can trigger
(bad declarations, Windows errors) are left in English on purpose.
"""

from __future__ import annotations

from .i18n import N_, ngettext_noop

MESSAGES = (
    N_("Aborted!"),
    N_("Options"),
    N_("Positional arguments"),
    N_("Commands"),
    N_("Missing command."),
    N_("env var: {var}"),
    N_("default: {default}"),
    N_("required"),
    N_("Do you want to continue?"),
    N_("Confirm the action without prompting."),
    N_("%(prog)s, version %(version)s"),
    N_("Show the version and exit."),
    N_("Show this message and exit."),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Invalid value: {message}"),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing {param_type}"),
    N_("Missing parameter: {param_name}"),
    N_("No such option {name!r}."),
    N_("No such command {name!r}."),
    N_("Usage:"),
    N_("Option {name!r} does not take a value."),
    N_("Repeat for confirmation"),
    N_("Error: The two entered values do not match."),
    N_("Error: invalid input"),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."),
    N_("{value!r} is not a valid boolean. Recognized values: {states}"),
    N_("Choose from:\n\t{choices}"),
)

#: The placeholders in usage lines and option lists (swapped for their translation when help
#: is shown; see command.py). A test checks that every one in papka's commands has Russian.
METAVARS = (
    N_("[OPTIONS]"), N_("COMMAND [ARGS]..."), N_("[COMMAND] [ARGS]..."),
    N_("BUNDLE"), N_("CODE"), N_("DIR"), N_("FILE"),
    N_("FILE..."), N_("FILE|-"), N_("ID"), N_("KIND"), N_("LEVEL"), N_("NAME"),
    N_("PAGE:X0,Y0,X1,Y1"), N_("PATH"), N_("PATH|-"), N_("RECIPIENT"), N_("SELECTOR"),
    N_("SIZE"), N_("TAG"), N_("TEXT"), N_("YYYY-MM-DD"), N_("[WORDS]..."), N_("KEY"),
    N_("DEST"), N_("HASH"),
)

PLURAL_MESSAGES = (
    ngettext_noop("Got unexpected extra argument ({args})",
                  "Got unexpected extra arguments ({args})"),
    ngettext_noop("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"),
    ngettext_noop("Option {name!r} requires an argument.",
                  "Option {name!r} requires {nargs} arguments."),
    ngettext_noop("{value!r} is not {choice}.", "{value!r} is not one of {choices}."),
    ngettext_noop("{value!r} does not match the format {format}.",
                  "{value!r} does not match the formats {formats}."),
)
