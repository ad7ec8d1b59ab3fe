"""What one simulation call evaluates against, shared by simulate_visitor and explain_audience_match.

The visitor, the project's attribute index and audiences (each parsed once per cached list), and each
audience's evaluation memoised for the call; `SIMULATION` is the sentence every answer carries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from personalize_mcp.answers.audiences import audience_trees
from personalize_mcp.answers.lookups import Lookups, listed_names
from personalize_mcp.contentstack.models.audiences import Attribute, Audience
from personalize_mcp.rules.conditions.text import CASE_RULE
from personalize_mcp.rules.evaluate import evaluate
from personalize_mcp.rules.model import Node
from personalize_mcp.rules.trace import Evaluation
from personalize_mcp.rules.visitor import AttributeIndex, Visitor
from personalize_mcp.runtime.concurrency import gather
from personalize_mcp.runtime.deadline import DeadlineExceededError
from personalize_mcp.runtime.errors import UserFacingError

SIMULATION = (
    "A local simulation: the project's rules were evaluated here the way Contentstack documents the "
    "Personalize Edge (experiences in priority order, the first matching variant of each, A/B tests at "
    "random); the Edge API was not called, so no visitor record was created. Undecided (null) means the "
    f"visitor does not give what a rule needs; {CASE_RULE}."
)


@dataclass
class Context:
    """One call's visitor, attribute index and audiences, each audience evaluated at most once."""

    visitor: Visitor
    index: AttributeIndex
    audiences: Mapping[str, Audience]
    trees: Mapping[str, Node | None]
    memo: dict[str, Evaluation] = field(default_factory=dict)

    def audience(self, uid: str) -> Evaluation | None:
        """The audience's evaluation (once per call), or None for a uid the project does not list."""
        if uid not in self.trees:
            return None
        found = self.memo.get(uid)
        if found is None:
            found = self.memo[uid] = evaluate(self.trees[uid], self.visitor, self.index)
        return found

    def name(self, uid: str, *, lytics: bool = False) -> str:
        """The audience's name, else `audience <uid>` (`Lytics audience <uid>` for a variant's Lytics one)."""
        audience = self.audiences.get(uid)
        return (audience.name if audience and audience.name else None) or (
            f"Lytics audience {uid}" if lytics else f"audience {uid}"
        )


async def attribute_index(lookups: Lookups, project: str) -> AttributeIndex:
    """Custom attribute uid -> key and name, once per cached list; unreadable attributes say so."""
    try:
        attributes = await lookups.attributes(project)
    except DeadlineExceededError:
        raise
    except UserFacingError:
        return AttributeIndex(readable=False)
    return lookups.derived(("attribute-index", project), (attributes,), lambda: _index(attributes))


def _index(attributes: Sequence[Attribute]) -> AttributeIndex:
    return AttributeIndex(keys={a.uid: a.key for a in attributes if a.key}, names=listed_names(attributes))


async def call_context(lookups: Lookups, project: str, visitor: Visitor) -> Context:
    """The context of one call: the project's audiences and attribute index, read concurrently."""
    audiences, index = await gather(lambda: lookups.audiences(project), lambda: attribute_index(lookups, project))
    by_uid = lookups.derived(("audiences-by-uid", project), (audiences,), lambda: {a.uid: a for a in audiences})
    return Context(visitor, index, by_uid, audience_trees(lookups, project, audiences))
