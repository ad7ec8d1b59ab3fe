"""`completion/complete` for every resource-template variable and prompt argument.

One map, argument name -> completer (as github-mcp-server does), serves both resource templates
and prompts: a variable called `stack_api_key` completes the same way wherever it appears. A
completer lists the candidates `(value, name)` for an argument, using the arguments already
chosen as context (the chosen project's experiences, the chosen stack's groups, the chosen
stack and group's variants); `match` then keeps those whose value or name starts with the typed
text -- or, when none does, contains it -- case-insensitively, and answers with values (uids),
never names, at most 100 of them with `total` and `hasMore`.

Completion is a convenience: it never fails loudly. An upstream failure gives an empty list, and a
line on stderr; a walk that outlasts the time limit (a group of thousands of variants) offers what it
had read by then.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import anyio
from mcp.server import MCPServer
from mcp.shared.uri_template import UriTemplate
from mcp_types import Completion, CompletionArgument, CompletionContext, PromptReference, ResourceTemplateReference

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.runtime.errors import InvalidInputError, UserFacingError
from personalize_mcp.runtime.ids import is_identifier

logger = logging.getLogger(__name__)

MAX_VALUES = 100
"""The protocol's cap on `completion.values`."""

COMPLETION_TIMEOUT = 5.0
"""Seconds a completion may wait on Contentstack; a suggestion that comes later is no help."""

Candidate = tuple[str, str | None]
"""A value to offer (a uid or API key) and the name it may also be matched by."""

Completer = Callable[[Lookups, Mapping[str, str]], Awaitable[Sequence[Candidate]]]


class _NotChosenYet(Exception):
    """The context lacks (or holds an invalid) argument this completion depends on."""


def _chosen(context: Mapping[str, str], name: str) -> str:
    value = context.get(name, "")
    if not is_identifier(value):
        raise _NotChosenYet(name)
    return value


async def _project(lookups: Lookups, context: Mapping[str, str]) -> str:
    """The chosen project, else the configured default or the organisation's only project."""
    if context.get("project_uid"):
        return _chosen(context, "project_uid")
    try:
        return await lookups.resolve_project(None)
    except InvalidInputError:
        raise _NotChosenYet("project_uid") from None


async def complete_project_uid(lookups: Lookups, context: Mapping[str, str]) -> Sequence[Candidate]:
    return [(p.uid, p.name) for p in await lookups.projects()]


async def complete_experience_uid(lookups: Lookups, context: Mapping[str, str]) -> Sequence[Candidate]:
    project = await _project(lookups, context)
    return [(e.uid, e.name) for e in await lookups.experiences(project)]


async def complete_audience_uid(lookups: Lookups, context: Mapping[str, str]) -> Sequence[Candidate]:
    project = await _project(lookups, context)
    return [(a.uid, a.name) for a in await lookups.audiences(project)]


async def complete_stack_api_key(lookups: Lookups, context: Mapping[str, str]) -> Sequence[Candidate]:
    return [(s.api_key, s.name) for s in await lookups.stacks()]


async def complete_variant_group_uid(lookups: Lookups, context: Mapping[str, str]) -> Sequence[Candidate]:
    stack = _chosen(context, "stack_api_key")
    return [(g.uid, g.name) for g in await lookups.variant_groups(stack)]


async def complete_variant_uid(lookups: Lookups, context: Mapping[str, str]) -> Sequence[Candidate]:
    stack = _chosen(context, "stack_api_key")
    group = _chosen(context, "variant_group_uid")
    return [(v.uid, v.name) for v in await lookups.variants(stack, group)]


def partial_variant_groups(lookups: Lookups, context: Mapping[str, str]) -> Sequence[Candidate]:
    return [(g.uid, g.name) for g in lookups.partial(("variant_groups", _chosen(context, "stack_api_key")))]


def partial_variants(lookups: Lookups, context: Mapping[str, str]) -> Sequence[Candidate]:
    stack, group = _chosen(context, "stack_api_key"), _chosen(context, "variant_group_uid")
    return [(v.uid, v.name) for v in lookups.partial(("variants", stack, group))]


PARTIAL_COMPLETERS: dict[str, Callable[[Lookups, Mapping[str, str]], Sequence[Candidate]]] = {
    "variant_group_uid": partial_variant_groups,
    "variant_uid": partial_variants,
}
"""For the lists whose walk can outlast a completion (thousands of CMS pages): what was read in time."""


async def complete_boolean(lookups: Lookups, context: Mapping[str, str]) -> Sequence[Candidate]:
    return [("false", None), ("true", None)]


async def complete_variant_short_uid(lookups: Lookups, context: Mapping[str, str]) -> Sequence[Candidate]:
    """The chosen experience's variant short uids (every version's, newest names last), matched by name too."""
    project = await _project(lookups, context)
    experience = _chosen(context, "experience_uid")
    found: dict[str, str | None] = {}
    for version in await lookups.versions(project, experience):
        for variant in version.variants:
            if variant.short_uid is not None:
                found[variant.short_uid] = variant.name
    return list(found.items())


async def complete_visitor(lookups: Lookups, context: Mapping[str, str]) -> Sequence[Candidate]:
    """A visitor is free-form JSON: a skeleton to start from."""
    return [('{"country": "", "device_type": "", "attributes": {}}', None)]


COMPLETERS: dict[str, Completer] = {
    "project_uid": complete_project_uid,
    "audience_uid": complete_audience_uid,
    "experience_uid": complete_experience_uid,
    "stack_api_key": complete_stack_api_key,
    "variant_group_uid": complete_variant_group_uid,
    "variant_uid": complete_variant_uid,
    "draft": complete_boolean,
    "variant_short_uid": complete_variant_short_uid,
    "visitor": complete_visitor,
}
"""Argument name -> completer, for every template variable and prompt argument we offer."""


def match(candidates: Sequence[Candidate], typed: str) -> Completion:
    """Values whose value or name starts with `typed` (else contains it), case-insensitive, first 100."""
    needle = typed.strip().casefold()

    def hits(test: Callable[[str], bool]) -> list[str]:
        found = [value for value, name in candidates if test(value.casefold()) or (name and test(name.casefold()))]
        return list(dict.fromkeys(found))

    values = hits(lambda text: text.startswith(needle))
    if not values:
        values = hits(lambda text: needle in text)
    return Completion(values=values[:MAX_VALUES], total=len(values), has_more=len(values) > MAX_VALUES)


EMPTY = Completion(values=[], total=0, has_more=False)


async def _arguments_of(server: MCPServer[Any], ref: PromptReference | ResourceTemplateReference) -> set[str]:
    """The arguments `ref` takes on this server (none for an unknown prompt or template)."""
    if isinstance(ref, PromptReference):
        for prompt in await server.list_prompts():
            if prompt.name == ref.name:
                return {argument.name for argument in prompt.arguments or []}
        return set()
    for template in await server.list_resource_templates():
        if template.uri_template == ref.uri:
            return set(UriTemplate.parse(template.uri_template).variable_names)
    return set()


CompletionHandler = Callable[
    [PromptReference | ResourceTemplateReference, CompletionArgument, CompletionContext | None], Awaitable[Completion]
]


def register_completions(server: MCPServer[Any], lookups: Lookups) -> None:
    async def complete(
        ref: PromptReference | ResourceTemplateReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion:
        return await complete_argument(server, lookups, ref, argument, context)

    # The SDK's decorator is unannotated; it registers the handler and returns it unchanged.
    register: Callable[[CompletionHandler], CompletionHandler] = server.completion()  # type: ignore[no-untyped-call]
    register(complete)


async def complete_argument(
    server: MCPServer[Any],
    lookups: Lookups,
    ref: PromptReference | ResourceTemplateReference,
    argument: CompletionArgument,
    context: CompletionContext | None,
) -> Completion:
    # An unknown prompt, template or argument gets no suggestions rather than an error:
    # completion is a convenience, and a client asking about something else should not break.
    completer = COMPLETERS.get(argument.name)
    if completer is None or argument.name not in await _arguments_of(server, ref):
        return EMPTY
    chosen = dict(context.arguments or {}) if context else {}
    try:
        with anyio.fail_after(COMPLETION_TIMEOUT):
            candidates = await completer(lookups, chosen)
    except _NotChosenYet as missing:
        logger.debug("No completion for %s until %s is chosen", argument.name, missing)
        return EMPTY
    except TimeoutError:
        partial = PARTIAL_COMPLETERS.get(argument.name)
        candidates = partial(lookups, chosen) if partial is not None else []
        logger.warning(
            "Completion of %s stopped waiting on Contentstack after %.0f s; offering the %d read by then",
            argument.name,
            COMPLETION_TIMEOUT,
            len(candidates),
        )
        if not candidates:
            return EMPTY
    except UserFacingError as error:
        logger.warning("Completion of %s found nothing to offer: %s", argument.name, error.message)
        return EMPTY
    except Exception:
        logger.exception("Completion of %s failed unexpectedly", argument.name)
        return EMPTY
    return match(candidates, argument.value)
