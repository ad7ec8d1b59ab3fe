"""Contentstack regions and their API hosts (contentstack-api.md §1)."""

from __future__ import annotations

from dataclasses import dataclass

from personalize_mcp.runtime.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class Region:
    """One Contentstack region: its id, the OAuth `location` code, and its hosts."""

    id: str
    location: str
    personalize_base_url: str
    cma_base_url: str
    app_base_url: str
    developerhub_base_url: str

    @property
    def token_url(self) -> str:
        return f"{self.developerhub_base_url}/token"


def _region(region_id: str, location: str, prefix: str) -> Region:
    return Region(
        id=region_id,
        location=location,
        personalize_base_url=f"https://{prefix}personalize-api.contentstack.com",
        cma_base_url="https://api.contentstack.io" if not prefix else f"https://{prefix}api.contentstack.com",
        app_base_url=f"https://{prefix}app.contentstack.com",
        developerhub_base_url=f"https://{prefix}developerhub-api.contentstack.com",
    )


REGIONS: dict[str, Region] = {
    r.id: r
    for r in (
        _region("na", "NA", ""),
        _region("eu", "EU", "eu-"),
        _region("au", "AU", "au-"),
        _region("azure-na", "AZURE_NA", "azure-na-"),
        _region("azure-eu", "AZURE_EU", "azure-eu-"),
        _region("gcp-na", "GCP_NA", "gcp-na-"),
        _region("gcp-eu", "GCP_EU", "gcp-eu-"),
    )
}

DEFAULT_REGION = "na"

_ALIASES: dict[str, str] = {"us": "na", "aws-na": "na", "aws-eu": "eu", "aws-au": "au"}


def normalize_region(value: str, *, source: str | None = None) -> str:
    """Map any accepted spelling (`NA`, `aws_na`, `AZURE_EU`, `us`, OAuth `location`) to a region id.

    `source` names where the value came from (`CONTENTSTACK_REGION`, `--region`), so the sentence
    says what to change.
    """
    key = value.strip().lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    if key not in REGIONS:
        known = ", ".join(REGIONS)
        where = f" in {source}" if source else ""
        raise ConfigurationError(f"Unknown Contentstack region {value.strip()!r}{where}; use one of: {known}.")
    return key


def get_region(value: str | None) -> Region:
    """The region for a spelling, or the default region when none is given."""
    return REGIONS[normalize_region(value) if value else DEFAULT_REGION]
