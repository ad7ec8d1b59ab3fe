"""Locations: the countries, regions and cities rules may name (`GET /geolocation/...`, §6).

The upstream parameters and shapes are unconfirmed (§6.1): the country filter is sent and applied
again here, the query is always applied here, and the lists are kept a day (they hardly change).
Country rules keep showing the code alone (`country equals "AU"`): ISO codes are what the rule holds,
any reader knows the common ones, and naming them would tie every audience answer to one more call.
"""

from __future__ import annotations

from pydantic import Field

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.paging import Catalogue, Paged, list_args
from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.contentstack.models.audiences import Location
from personalize_mcp.runtime.errors import InvalidInputError
from personalize_mcp.runtime.ids import validate_choice

KINDS = ("country", "region", "city")
PLURALS = {"countries": "country", "regions": "region", "cities": "city"}
_COUNTRY_CODE_CHARS = 8


class LocationInfo(ResultModel):
    code: str | None = Field(default=None, description="The code a rule uses (countries: ISO 3166, e.g. AU).")
    name: str = Field(description="Location name.")
    country_code: str | None = Field(default=None, description="The country of a region or city.")
    region: str | None = Field(default=None, description="The region of a city, when given.")


class LocationsResult(Paged):
    kind: str = Field(description="country, region or city.")
    locations: list[LocationInfo] = Field(description="The matching locations (this page).")


def location_view(location: Location) -> LocationInfo:
    return LocationInfo(
        code=location.code, name=location.name, country_code=location.country_code, region=location.region
    )


def _key(n: int, view: LocationInfo) -> str:
    # Unique and stable: names repeat (two Springfields), so the country, region and position join them.
    return f"{view.country_code or ''}|{view.code or ''}|{view.region or ''}|{view.name}|{n:07d}"


async def list_locations(
    lookups: Lookups,
    kind: str,
    *,
    query: str | None = None,
    country_code: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> LocationsResult:
    wanted = validate_choice("kind", kind, KINDS, aliases=PLURALS, expected="country, region or city", required=True)
    country = _country(country_code)
    args = list_args(f"list_locations:{wanted}", query=query, limit=limit, cursor=cursor, filters={"country": country})
    locations = await lookups.locations(wanted, country)
    catalogue = lookups.derived(
        ("location-catalogue", wanted, country or ""),
        (locations,),
        lambda: Catalogue.in_key_order(
            sorted(
                (_key(n, view), view)
                for n, view in enumerate(location_view(loc) for loc in locations)
                if country is None or wanted == "country" or (view.country_code or "").upper() == country
            ),
            search=lambda v: (v.name, v.code, v.region),
        ),
    )
    plural = {"country": "countries", "region": "regions", "city": "cities"}[wanted]
    page = catalogue.page(args, plural, tool="list_locations")
    return LocationsResult(kind=wanted, locations=page.items, **page.fields())


def _country(code: str | None) -> str | None:
    if code is None or not code.strip():
        return None
    normal = code.strip().upper()
    if len(normal) > _COUNTRY_CODE_CHARS or not normal.replace("-", "").isalnum() or not normal.isascii():
        raise InvalidInputError(f"country_code must be a country code such as AU or US, not {code[:20]!r}.")
    return normal
