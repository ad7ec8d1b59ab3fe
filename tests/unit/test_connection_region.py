"""get_connection names the region an account is served in, even when the stored account has none of its own."""

from __future__ import annotations

from typing import Any, cast

from personalize_mcp.answers.connection import get_connection
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.auth.protocol import ConnectionFacts, Credentials


class FactsOnly:
    def __init__(self, facts: ConnectionFacts) -> None:
        self._facts = facts
        self.account_name = facts.account or "default"

    def facts(self) -> ConnectionFacts:
        return self._facts


def lookups(facts: ConnectionFacts, region: str | None) -> Lookups:
    unused = cast(Any, None)  # no upstream read happens here
    return Lookups(unused, unused, credentials=cast(Credentials, FactsOnly(facts)), region=region)


def test_an_account_without_a_region_is_named_with_the_settings_region() -> None:
    facts = ConnectionFacts(connected=True, account="default", organization_uid="blt1")
    assert get_connection(lookups(facts, "na")).region == "na"


def test_the_accounts_own_region_wins_and_no_account_names_none() -> None:
    own = ConnectionFacts(connected=True, account="work", region="eu")
    assert get_connection(lookups(own, "na")).region == "eu"
    missing = ConnectionFacts(connected=False, problem="No Contentstack account is connected.")
    assert get_connection(lookups(missing, "na")).region is None
