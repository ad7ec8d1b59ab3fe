"""The server's instructions to a model, said only about the tools it can see.

Every line declares the tools it names and is left out when one of them is not offered (`serve
--toolsets`): instructions must never send a model to a tool it cannot call.
"""

from __future__ import annotations

from collections.abc import Collection

Line = tuple[str, frozenset[str]]
"""A line of the instructions, and the tools it names."""


def _line(text: str, *tools: str) -> Line:
    return (text, frozenset(tools))


PARAGRAPHS: tuple[tuple[Line, ...], ...] = (
    (
        _line(
            "Read-only access to a Contentstack Personalize account: projects, audiences (with their rules in "
            "plain words), experiences, their versions, variants and priority, the attributes and events they "
            "use, and which audiences see a CMS entry variant."
        ),
    ),
    (
        _line(
            "Call get_connection first when it matters whether the data is real: sandbox true means the "
            "built-in sample data, not the user's account; toolsets says which tools this server offers.",
            "get_connection",
        ),
    ),
    (
        _line("Ids come from the list tools:"),
        _line("list_projects gives project_uid;", "list_projects"),
        _line("get_all_experiences gives experience_uid;", "get_all_experiences"),
        _line("get_all_audiences gives audience_uid;", "get_all_audiences"),
        _line("list_attributes and list_events give attribute and event uids;", "list_attributes", "list_events"),
        _line("list_stacks gives stack_api_key;", "list_stacks"),
        _line("list_variant_groups gives variant_group_uid;", "list_variant_groups"),
        _line("list_variants gives variant_uid.", "list_variants"),
        _line("project_uid may be omitted when a default project is configured or the organisation has one project."),
    ),
    (
        _line(
            "Lists are paged: each answer has total and next_cursor; call again with cursor=next_cursor (and "
            "the same other arguments) for more, or narrow with query (and the tool's filters)."
        ),
    ),
    (
        _line(
            "Who sees a CMS variant: list_stacks -> list_variant_groups -> list_variants -> get_variant_audiences.",
            "list_stacks",
            "list_variant_groups",
            "list_variants",
            "get_variant_audiences",
        ),
        _line(
            "What an experience shows to whom: get_all_experiences -> get_all_versions (audiences resolved).",
            "get_all_experiences",
            "get_all_versions",
        ),
        _line("Which experience wins an entry: get_experiences_priority.", "get_experiences_priority"),
        _line(
            "Is an experiment working, can its winner ship: get_experiment_results (by day: "
            "get_experiment_timeseries).",
            "get_experiment_results",
            "get_experiment_timeseries",
        ),
        _line(
            "What a described visitor would see, and why not: simulate_visitor (every experience in priority "
            "order) and explain_audience_match (one audience, rule by rule) -- local simulations, never the Edge.",
            "simulate_visitor",
            "explain_audience_match",
        ),
        _line(
            "Where an audience, attribute or event is used: find_usage; what a draft changes: compare_versions; "
            "everything wrong with a project in one call: audit_project; find anything by name or uid: search.",
            "find_usage",
            "compare_versions",
            "audit_project",
            "search",
        ),
        _line(
            "The lookup lists are also resources (personalize://projects, contentstack://stacks and templates "
            "below them), and prompts explain, review or audit with the tools above."
        ),
    ),
    (
        _line(
            "Writes are on: plan_change answers a change in words (nothing is written), apply_change applies a "
            "plan once after the person confirms, undo_change plans the inverse of an applied change, "
            "list_changes is the journal. Show the person the plan (summary, changes, warnings) before applying it.",
            "plan_change",
            "apply_change",
            "undo_change",
            "list_changes",
        ),
    ),
)


def instructions_for(tools: Collection[str]) -> str:
    """The instructions, without the lines that name a tool outside `tools`."""
    offered = set(tools)
    paragraphs = [[text for text, needs in lines if needs <= offered] for lines in PARAGRAPHS]
    return "\n\n".join("\n".join(kept) for kept in paragraphs if kept) + "\n"
