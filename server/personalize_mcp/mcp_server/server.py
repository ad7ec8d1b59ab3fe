"""The MCP server: one account's tools, resources, prompts and completions, with errors a person can act on.

The tools live in `tools/`, one module per subject, each a thin function over one answer. The
server subclass turns every anticipated failure into one sentence: our `UserFacingError`s,
and the SDK's argument-validation dumps, which would otherwise reach the model as several
lines of pydantic output. Tools, resources and prompts all run under the per-call deadline;
an unknown tool, resource or prompt, or an undeclared prompt argument, is one bounded sentence
that quotes what was asked for shortened and escaped; anything unexpected is logged with its
traceback at ERROR and answers "failed unexpectedly".
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Collection, Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from mcp.server import MCPServer
from mcp.server.auth.provider import TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.lowlevel.helper_types import ReadResourceContents
from mcp.server.mcpserver import RequestStateSecurity
from mcp.server.mcpserver.context import Context
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError, UnexpectedToolError
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR, INVALID_PARAMS, CallToolResult, GetPromptResult, InputRequiredResult
from pydantic import AnyUrl, ValidationError

from personalize_mcp import __version__
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.mcp_server.completions import register_completions
from personalize_mcp.mcp_server.instructions import instructions_for
from personalize_mcp.mcp_server.prompts import register_prompts
from personalize_mcp.mcp_server.resources import cache_hints, register_resources
from personalize_mcp.mcp_server.schema import compact_input_schema
from personalize_mcp.mcp_server.tools import TOOLSET_NAMES, chosen_toolsets, register_tools
from personalize_mcp.runtime import progress
from personalize_mcp.runtime.deadline import DEFAULT_DEADLINE, DeadlineExceededError, within_deadline
from personalize_mcp.runtime.errors import MAX_MESSAGE_CHARS, UserFacingError, bounded, quoted

if TYPE_CHECKING:  # the write tools are imported with their toolset, when writes are on
    from personalize_mcp.answers.writes.service import WriteService

logger = logging.getLogger(__name__)

SERVER_NAME = "contentstack-personalize"


class PersonalizeMCPServer(MCPServer[Any]):
    """`MCPServer` whose failures always read as one actionable sentence, within the deadline."""

    deadline: float | None = DEFAULT_DEADLINE
    """Seconds one tool call, resource read or prompt may take, upstream retries and waits
    included (None: no limit)."""
    toolsets_on: tuple[str, ...] = ()
    """The toolsets whose tools this server offers (`serve --toolsets`), in table order."""
    write_service: WriteService | None = None
    """What the write tools act through (`serve --writes drafts|all`); None: writes are off."""
    write_tools: frozenset[str] = frozenset()
    """The tools the write toolsets registered (over HTTP they need the write scope)."""

    def add_tool(self, fn: Callable[..., Any], name: str | None = None, *args: Any, **kwargs: Any) -> None:
        """Every tool's published input schema is compacted here, once (see `schema`)."""
        super().add_tool(fn, name, *args, **kwargs)
        tool = self._tool_manager.get_tool(name or fn.__name__)
        if tool is not None:
            tool.parameters = compact_input_schema(tool.parameters)

    def tool_names(self) -> set[str]:
        return {tool.name for tool in self._tool_manager.list_tools()}

    def set_instructions(self, text: str) -> None:
        """Instructions written once the tools are known (the SDK takes them only when constructed)."""
        self._lowlevel_server.instructions = text

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        if self._tool_manager.get_tool(name) is None:  # the SDK's "Unknown tool: x" echoes x whole, no way out
            known = [tool.name for tool in self._tool_manager.list_tools()]
            raise ToolError(_unknown_tool_sentence(name, known))
        try:
            with within_deadline(self.deadline), progress_to(context):
                result = await super().call_tool(name, arguments, context)
            return result
        except DeadlineExceededError as error:  # the deadline passed while upstream requests ran
            raise ToolError(bounded(error.message)) from None
        except UnexpectedToolError as error:
            cause = error.__cause__
            if isinstance(cause, UserFacingError):
                raise ToolError(bounded(cause.message)) from None
            # The SDK logs a tool error it is handed at INFO without its cause: the traceback is ours to log.
            logger.error("The %s tool failed unexpectedly", name, exc_info=cause or error)
            raise ToolError(
                f"The {name} tool failed unexpectedly; the server log has the details. Try again, "
                "and report it if it persists."
            ) from error
        except ToolError as error:
            cause = error.__cause__
            if isinstance(cause, ValidationError):
                raise ToolError(bounded(describe_validation_error(name, cause))) from cause
            if isinstance(cause, UserFacingError):
                raise ToolError(bounded(cause.message)) from None
            raise ToolError(bounded(str(error))) from error

    def changing_tools(self) -> frozenset[str]:
        """The write tools, and any tool that is not read-only: over HTTP they need the write scope."""
        tools = self._tool_manager.list_tools()
        changing = {t.name for t in tools if t.annotations is not None and t.annotations.read_only_hint is False}
        return frozenset(changing | self.write_tools)

    async def read_resource(
        self, uri: AnyUrl | str, context: Context[Any, Any] | None = None
    ) -> Iterable[ReadResourceContents] | InputRequiredResult:
        """A resource read is bounded like a tool call; a URI nothing matches is one short sentence."""
        try:
            with within_deadline(self.deadline):
                result = await super().read_resource(uri, context)
            return result
        except DeadlineExceededError as error:
            raise ResourceError(bounded(error.message)) from None
        except ResourceNotFoundError as error:
            if str(error).startswith("Unknown resource"):  # the SDK's words, with the URI whole
                raise ResourceNotFoundError(
                    f"No resource matches {quoted(str(uri), 80)}; resources/list and resources/templates/list "
                    "name the ones this server has."
                ) from None
            raise ResourceNotFoundError(bounded(str(error))) from None
        except ResourceError as error:
            raise type(error)(bounded(str(error))) from error.__cause__

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None, context: Context[Any, Any] | None = None
    ) -> GetPromptResult | InputRequiredResult:
        """An unknown prompt or argument is the caller's mistake (-32602 with a sentence), not an
        internal error; a prompt runs under the deadline like a tool."""
        prompt = self._prompt_manager.get_prompt(name)
        if prompt is None:
            known = sorted(p.name for p in self._prompt_manager.list_prompts())
            raise MCPError(
                code=INVALID_PARAMS,
                message=bounded(f"Unknown prompt {quoted(name)}; {_known('the prompts are', known)}."),
            )
        declared = [argument.name for argument in prompt.arguments or []]
        undeclared = sorted(set(arguments or {}) - set(declared))
        if undeclared:
            raise MCPError(
                code=INVALID_PARAMS,
                message=bounded(
                    f"The {name} prompt takes no argument {quoted(undeclared[0])}; "
                    f"{_known('its arguments are', declared)}."
                ),
            )
        try:
            with within_deadline(self.deadline):
                result = await super().get_prompt(name, arguments, context)
            return result
        except MCPError as error:
            raise MCPError(code=error.error.code, message=bounded(error.error.message)) from None
        except DeadlineExceededError as error:
            raise MCPError(code=INTERNAL_ERROR, message=bounded(error.message)) from None
        except Exception as error:
            validation = _validation_cause(error)
            if validation is not None:
                raise MCPError(
                    code=INVALID_PARAMS, message=bounded(describe_validation_error(f"the {name} prompt", validation))
                ) from None
            logger.error("The %s prompt failed unexpectedly", name, exc_info=error)
            raise MCPError(
                code=INTERNAL_ERROR, message=f"The {name} prompt failed unexpectedly; the server log has the details."
            ) from None


def _unknown_tool_sentence(name: str, known: list[str]) -> str:
    """Every tool when they fit in one bounded sentence; else the closest names first, as many as fit."""
    asked = quoted(name)
    full = f"Unknown tool {asked}; the tools are: {', '.join(sorted(known))}."
    if len(full) <= MAX_MESSAGE_CHARS:
        return full
    closest = difflib.get_close_matches(name, known, n=len(known), cutoff=0.0)
    ordered = [*closest, *sorted(set(known) - set(closest))]

    def sentence(shown: list[str]) -> str:
        rest = len(known) - len(shown)
        return f"Unknown tool {asked}; the tools include {', '.join(shown)} and {rest} more (see tools/list)."

    shown: list[str] = []
    for tool in ordered:
        if len(sentence([*shown, tool])) > MAX_MESSAGE_CHARS:
            break
        shown.append(tool)
    return sentence(shown)


def _known(what: str, names: list[str]) -> str:
    return f"{what}: {', '.join(names)}" if names else f"{what}: none"


def _validation_cause(error: BaseException) -> ValidationError | None:
    """The pydantic error somewhere in `error`'s chain of causes (the SDK wraps it twice)."""
    seen: BaseException | None = error
    for _ in range(8):
        if seen is None:
            return None
        if isinstance(seen, ValidationError):
            return seen
        seen = seen.__cause__
    return None


def progress_to(context: Context[Any, Any] | None) -> AbstractContextManager[None]:
    """Long walks below report progress to the caller (a no-op unless it sent a progress token)."""
    return progress.reporting(context.report_progress) if context is not None else nullcontext()


def describe_validation_error(tool: str, error: ValidationError) -> str:
    """One sentence for pydantic's argument errors, naming each bad argument and what it must be."""
    problems: list[str] = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "arguments"
        kind = item["type"]
        if kind == "missing":
            problems.append(f"{where} is required")
        elif kind == "literal_error":
            expected = item.get("ctx", {}).get("expected", "one of the listed values")
            problems.append(f"{where} must be {expected}")
        elif kind in ("string_type", "string_too_long"):
            problems.append(f"{where} must be a string")
        elif kind in ("list_type", "tuple_type"):
            problems.append(f"{where} must be a list of strings")
        elif kind.startswith("bool"):
            problems.append(f"{where} must be true or false")
        elif kind.startswith("int"):
            problems.append(f"{where} must be a whole number")
        else:
            problems.append(f"{where} is invalid")
    return f"Invalid arguments for {tool}: {'; '.join(problems)}; see the tool's input schema."


def build_server(
    lookups: Lookups,
    *,
    auth: AuthSettings | None = None,
    token_verifier: TokenVerifier | None = None,
    toolsets: Collection[str] = TOOLSET_NAMES,
    write_service: WriteService | None = None,
    request_state_security: RequestStateSecurity | None = None,
) -> PersonalizeMCPServer:
    """The MCP server for one account's lookups (transport-agnostic).

    `auth` and `token_verifier` make its Streamable HTTP endpoint an OAuth resource server
    (see `http_auth`); they change nothing on stdio. `toolsets` names the toolsets to offer
    (`serve --toolsets`, checked by the settings): resources, prompts and instructions that need
    a tool outside them are left out too. `write_service`: the four write tools (`serve --writes
    drafts|all`), which come with it and never with `toolsets` alone; without it none is listed.
    `request_state_security`: keys replicas share for the 2026 request state (default: per process).
    """
    chosen = chosen_toolsets(toolsets, writes=write_service is not None)
    server = PersonalizeMCPServer(
        SERVER_NAME,
        title="Contentstack Personalize",
        description="Answers questions about a Contentstack Personalize account.",
        version=__version__,
        cache_hints=cache_hints(lookups.cache_ttl),
        auth=auth,
        token_verifier=token_verifier,
        request_state_security=request_state_security,
    )
    server.deadline = lookups.deadline
    server.toolsets_on = tuple(toolset.name for toolset in chosen)
    server.write_service = write_service
    register_tools(server, lookups, [toolset for toolset in chosen if not toolset.with_writes])
    reads = set(server.tool_names())
    register_tools(server, lookups, [toolset for toolset in chosen if toolset.with_writes])
    tools = server.tool_names()
    server.write_tools = frozenset(tools) - reads
    server.set_instructions(instructions_for(tools))
    register_resources(server, lookups, tools)
    register_prompts(server, tools)
    register_completions(server, lookups)
    return server
